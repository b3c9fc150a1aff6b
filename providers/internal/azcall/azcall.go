// Package azcall helps providers that get tokens through azidentity keep
// Entra ID's error details, which azidentity flattens into text.
package azcall

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Transport is an azcore transport that remembers the last failure, so a
// network, proxy or TLS error keeps its type.
type Transport struct {
	client *http.Client
	mu     sync.Mutex
	err    error
}

// NewTransport wraps client.
func NewTransport(client *http.Client) *Transport { return &Transport{client: client} }

// Do sends r and records a transport failure.
func (t *Transport) Do(r *http.Request) (*http.Response, error) {
	resp, err := t.client.Do(r)
	if err != nil {
		t.mu.Lock()
		t.err = err
		t.mu.Unlock()
	}
	return resp, err
}

func (t *Transport) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Classify reads Entra's reply out of azidentity's error, or the transport's
// own failure when there was no reply.
func Classify(ctx context.Context, err error, t *Transport) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		body, _ := runtime.Payload(afe.RawResponse)
		return entraerr.FromResponse(afe.RawResponse.StatusCode, body)
	}
	if f := t.failure(); f != nil {
		return entraerr.Classify(ctx, f)
	}
	return entraerr.Classify(ctx, err)
}
