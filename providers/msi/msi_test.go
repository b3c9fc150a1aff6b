package msi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msiRequest asks for a token for a resource of its own: MSAL keeps managed
// identity tokens in a process-wide cache keyed by identity and resource,
// and in-process tests sharing one would see each other's tokens.
func msiRequest(name string) *sdk.Request {
	server := "api://msi-test/" + strings.ReplaceAll(name, " ", "_")
	return &sdk.Request{
		LoginMode:     "msi",
		Scopes:        []string{server + "/.default"},
		Resource:      server,
		AuthorityHost: "https://login.microsoftonline.com/",
		Timeout:       20 * time.Second,
	}
}

func getToken(t *testing.T, client *http.Client, req *sdk.Request) (*sdk.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider{httpClient: client, retry: noRetries}.GetToken(ctx, req, nil)
}

const resourceID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua"

func TestIdentitySelection(t *testing.T) {
	tests := []struct {
		name, clientID, resourceID string
		wantParam, wantID          string // the query parameter naming the identity
		wantAccount                string
	}{
		{name: "system-assigned", wantAccount: "system-assigned managed identity"},
		{name: "client id", clientID: "c1", wantParam: "client_id", wantID: "c1", wantAccount: "c1"},
		{name: "resource id", resourceID: resourceID, wantParam: "mi_res_id", wantID: resourceID, wantAccount: resourceID},
		{name: "client id beats resource id", clientID: "c2", resourceID: resourceID, wantParam: "client_id", wantID: "c2", wantAccount: "c2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := msiRequest(t.Name())
			req.ClientID = tt.clientID
			req.Credentials.IdentityResourceID = tt.resourceID
			tok, err := getToken(t, fake.Client(), req)
			if err != nil {
				t.Fatal(err)
			}
			if !tok.ExpiresAt.Equal(tokenExpiry) || tok.Account != tt.wantAccount ||
				tok.AccessToken != "mi-token-for-"+req.Resource+"-as-"+tt.wantID {
				t.Errorf("token = %v %q", tok, tok.AccessToken)
			}
			qs := fake.queries(req.Resource)
			if len(qs) != 1 {
				t.Fatalf("requests = %d, want 1", len(qs))
			}
			for _, p := range []string{"client_id", "mi_res_id", "msi_res_id", "object_id", "principal_id"} {
				if got := qs[0].Get(p); (p == tt.wantParam) != (got != "") || (p == tt.wantParam && got != tt.wantID) {
					t.Errorf("%s = %q, want %q only in %q", p, got, tt.wantID, tt.wantParam)
				}
			}
		})
	}
}

func TestRejected(t *testing.T) {
	tests := []struct {
		name string
		edit func(*sdk.Request)
		want string
	}{
		{"legacy", func(r *sdk.Request) { r.Legacy = true }, "--legacy is not supported by msi: remove it"},
		{"pop", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{ReqCnf: "x"} }, "--pop-enabled is not supported by msi"},
		{"no scope", func(r *sdk.Request) { r.Scopes = nil }, "--server-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := msiRequest(t.Name())
			tt.edit(req)
			_, err := getToken(t, fake.Client(), req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (%v), want invalid request saying %q", err, sdk.CodeOf(err), tt.want)
			}
			if n := len(fake.queries(req.Resource)); n != 0 {
				t.Errorf("%d requests reached the endpoint", n)
			}
		})
	}
}

func TestEndpointErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   sdk.ErrorCode
		msg    string
	}{
		{"oauth error", 400, `{"error":"invalid_request","error_description":"Identity not found"}`,
			sdk.CodeInvalidRequest, "managed identity with client ID c1: invalid_request: Identity not found"},
		{"app service error", 400, `{"statusCode":400,"message":"Unable to load the proper Managed Identity.","correlationId":"x"}`,
			sdk.CodeInvalidRequest, "managed identity with client ID c1: the managed identity endpoint replied with HTTP 400: Unable to load the proper Managed Identity."},
		{"wrong secret header", 401, `not json`,
			sdk.CodeInvalidRequest, "managed identity with client ID c1: the managed identity endpoint replied with HTTP 401"},
		{"endpoint down", 503, `<html>Service Unavailable</html>`,
			sdk.CodeUnavailable, "managed identity with client ID c1: the managed identity endpoint replied with HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := msiRequest(t.Name())
			req.ClientID = "c1"
			fake.reply(req.Resource, reply{status: tt.status, body: tt.body})
			_, err := getToken(t, fake.Client(), req)
			if sdk.CodeOf(err) != tt.code || err.Error() != tt.msg {
				t.Errorf("err = %v (%v), want %v %q", err, sdk.CodeOf(err), tt.code, tt.msg)
			}
			if n := len(fake.queries(req.Resource)); n != 1 {
				t.Errorf("requests = %d, want 1: retries are off here", n)
			}
		})
	}
}

// TestUnreachable: a client that does not trust the endpoint's certificate
// (SSL_CERT_FILE not set) fails like a dead network, naming the endpoint
// but not the query that names the identity.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	req := msiRequest(t.Name())
	_, err := getToken(t, &http.Client{}, req)
	host := strings.TrimPrefix(fake.URL, "https://")
	if sdk.CodeOf(err) != sdk.CodeUnavailable || !strings.HasPrefix(err.Error(), "the system-assigned managed identity: cannot reach the managed identity endpoint https://"+host+": ") ||
		!strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "resource=") {
		t.Errorf("err = %v (%v)", err, sdk.CodeOf(err))
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	req := msiRequest(t.Name())
	fake.reply(req.Resource, reply{hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := provider{httpClient: fake.Client(), retry: noRetries}.GetToken(ctx, req, nil)
	if sdk.CodeOf(err) != sdk.CodeCancelled || time.Since(began) > 3*time.Second {
		t.Errorf("err = %v (%v) after %v", err, sdk.CodeOf(err), time.Since(began))
	}
}

// imdsStandIn answers in place of the network, so nothing reaches the real
// link-local IMDS address.
type imdsStandIn struct {
	answer func(*http.Request) (*http.Response, error)
	mu     sync.Mutex
	seen   []*http.Request
}

func (s *imdsStandIn) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.seen = append(s.seen, r)
	s.mu.Unlock()
	return s.answer(r)
}

func TestProbeIMDS(t *testing.T) {
	refused := func(r *http.Request) (*http.Response, error) {
		return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: errors.New("dial tcp 169.254.169.254:80: connect: network is unreachable")}
	}
	silent := func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	answers := func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 400, Body: http.NoBody, Request: r}, nil
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		answer  func(*http.Request) (*http.Response, error)
		code    sdk.ErrorCode
		maxTime time.Duration
	}{
		{"imds answers", context.Background(), answers, 0, time.Second},
		{"no route", context.Background(), refused, sdk.CodeUnavailable, time.Second},
		{"black hole", context.Background(), silent, sdk.CodeUnavailable, imdsProbeTimeout + time.Second},
		{"host cancelled", cancelled, silent, sdk.CodeCancelled, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &imdsStandIn{answer: tt.answer}
			began := time.Now()
			err := probeIMDS(tt.ctx, &http.Client{Transport: s})
			if sdk.CodeOf(err) != tt.code || (err == nil) != (tt.code == 0) || time.Since(began) > tt.maxTime {
				t.Errorf("err = %v (%v) after %v, want %v", err, sdk.CodeOf(err), time.Since(began), tt.code)
			}
			if tt.code == sdk.CodeUnavailable && err.Error() != noEndpoint().Message {
				t.Errorf("message = %q", err)
			}
			if len(s.seen) != 1 || s.seen[0].URL.String() != imdsURL || s.seen[0].Header.Get("Metadata") != "" {
				t.Errorf("probe requests = %v", s.seen)
			}
		})
	}
}

// noRetries turns azcore's retries off for in-process calls: these tests
// check the final error, not azcore's back-off, which would add seconds to
// every failing call (an endpoint that is down is retried for 8 s).
var noRetries = policy.RetryOptions{MaxRetries: -1}
