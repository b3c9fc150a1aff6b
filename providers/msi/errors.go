package msi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// classify turns azidentity's error into one line naming the identity.
// azidentity keeps only the text of transport failures, and on IMDS hides
// some replies too, so those are taken from the transport itself.
func classify(ctx context.Context, id identity, err error, last outcome) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	var e *sdk.Error
	var afe *azidentity.AuthenticationFailedError
	switch {
	case errors.As(err, &afe) && afe.RawResponse != nil:
		body, _ := runtime.Payload(afe.RawResponse)
		e = fromResponse(afe.RawResponse.StatusCode, body)
	case last.err != nil:
		e = unreachable(last.err)
	case last.status >= 400:
		e = fromResponse(last.status, last.body)
	default:
		e = entraerr.Classify(ctx, err)
	}
	e.Message = fmt.Sprintf("%s: %s", id, e.Message)
	return e
}

// fromResponse reads an endpoint's error reply. IMDS and the emulator answer
// in OAuth form; App Service and Arc send {"statusCode", "message"}.
func fromResponse(status int, body []byte) *sdk.Error {
	if _, ok := entraerr.Parse(body); ok {
		return entraerr.FromResponse(status, body)
	}
	code := sdk.CodeUnspecified
	switch {
	case status >= 500 || status == http.StatusTooManyRequests:
		code = sdk.CodeUnavailable
	case status >= 400:
		code = sdk.CodeInvalidRequest
	}
	var r struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &r) == nil && r.Message != "" {
		return sdk.Errorf(code, "the managed identity endpoint replied with HTTP %d: %s", status, r.Message)
	}
	return sdk.Errorf(code, "the managed identity endpoint replied with HTTP %d", status)
}

// unreachable reports a transport failure without the request URL, whose
// query names the resource and identity again.
func unreachable(err error) *sdk.Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return sdk.Errorf(sdk.CodeUnavailable, "cannot reach the managed identity endpoint %s://%s: %v", u.Scheme, u.Host, ue.Err)
		}
		err = ue.Err
	}
	return sdk.Errorf(sdk.CodeUnavailable, "cannot reach the managed identity endpoint: %v", err)
}

// outcome is how the last request azidentity sent ended.
type outcome struct {
	err    error
	status int
	body   []byte
}

// recordingTransport remembers the outcome of the last request.
type recordingTransport struct {
	client *http.Client
	mu     sync.Mutex
	last   outcome
}

func (t *recordingTransport) Do(r *http.Request) (*http.Response, error) {
	resp, err := t.client.Do(r)
	o := outcome{err: err}
	if err == nil {
		o.status = resp.StatusCode
		if o.status >= 400 {
			// Error replies are small; keep a copy for the message.
			o.body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(o.body))
		}
	}
	t.mu.Lock()
	t.last = o
	t.mu.Unlock()
	return resp, err
}

func (t *recordingTransport) outcome() outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}
