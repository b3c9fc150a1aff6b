package workloadidentity

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Assertions the fake rejects the way Entra ID does; any other is trusted.
const (
	expiredAssertion  = "expired-federated-token"
	strangerAssertion = "token-from-an-unknown-subject"
)

// idp is a loopback TLS stand-in for Entra ID's discovery and token
// endpoints that records client assertions (the shared fakeentra only
// verifies certificate-signed ones), and for a GitHub Actions job's OIDC
// endpoint at /actions/idtoken.
type idp struct {
	*httptest.Server
	authorityHost string

	mu         sync.Mutex
	tokenForms []url.Values
	actions    []*http.Request
	n          int
	// actionsStatus, when set, is the OIDC endpoint's error status.
	actionsStatus int
	// actionsValue is the OIDC endpoint's token.
	actionsValue string
}

func newIdP(t *testing.T) *idp {
	f := &idp{actionsValue: "github-oidc-token"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", f.token)
	mux.HandleFunc("GET /actions/idtoken", f.oidc)
	f.Server = httptest.NewTLSServer(mux)
	f.authorityHost = f.URL + "/"
	t.Cleanup(f.Close)
	return f
}

// certFile writes the server's certificate for SSL_CERT_FILE in a
// provider subprocess.
func (f *idp) certFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "idp.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// forms lists the form of every token request.
func (f *idp) forms() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.tokenForms...)
}

// assertions lists the client assertion of every token request.
func (f *idp) assertions() []string {
	var out []string
	for _, v := range f.forms() {
		out = append(out, v.Get("client_assertion"))
	}
	return out
}

// oidcRequests lists the calls to the GitHub Actions OIDC endpoint.
func (f *idp) oidcRequests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.actions...)
}

func (f *idp) discovery(w http.ResponseWriter, r *http.Request) {
	base := f.URL + "/" + r.PathValue("tenant")
	writeJSON(w, 200, map[string]any{
		"issuer":                 base + "/v2.0",
		"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		"token_endpoint":         base + "/oauth2/v2.0/token",
		"jwks_uri":               base + "/discovery/v2.0/keys",
	})
}

func (f *idp) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.tokenForms = append(f.tokenForms, r.PostForm)
	f.n++
	n := f.n
	f.mu.Unlock()
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		oauthError(w, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion_type'.")
	case r.PostForm.Get("client_assertion") == expiredAssertion:
		oauthError(w, "invalid_client", 700024, "Client assertion is not within its valid time range. Current time: 2026-01-20T10:20:00.4563253Z, assertion valid from 2026-01-20T09:18:56.0000000Z, expiry time of assertion 2026-01-20T10:18:56.0000000Z.")
	case r.PostForm.Get("client_assertion") == strangerAssertion:
		oauthError(w, "invalid_client", 700213, "No matching federated identity record found for presented assertion subject 'system:serviceaccount:default:other'.")
	default:
		writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("at-%d", n), "token_type": "Bearer", "expires_in": 3600, "scope": r.PostForm.Get("scope")})
	}
}

func (f *idp) oidc(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.actions = append(f.actions, r.Clone(r.Context()))
	status, value := f.actionsStatus, f.actionsValue
	f.mu.Unlock()
	if status != 0 {
		http.Error(w, `{"message":"Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"}`, status)
		return
	}
	writeJSON(w, 200, map[string]any{"count": 1, "value": value})
}

func oauthError(w http.ResponseWriter, errStr string, code int, desc string) {
	writeJSON(w, 400, map[string]any{
		"error":             errStr,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 00000000-0000\r\nCorrelation ID: 11111111-1111\r\nTimestamp: 2026-01-20 10:20:00Z", code, desc),
		"error_codes":       []int{code},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeFile writes a federated token file, as the kubelet does on rotation.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
