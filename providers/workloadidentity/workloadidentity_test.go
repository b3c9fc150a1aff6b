package workloadidentity

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	serverID = entraemu.AKSServerID
	tenantID = entraemu.DefaultTenantID
	clientID = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
)

// request is what the host sends for a pod with AZURE_CLIENT_ID,
// AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE set.
func request(f *idp, tokenFile string) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "workloadidentity",
		TenantID:                 tenantID,
		ClientID:                 clientID,
		Scopes:                   []string{serverID + "/.default"},
		Resource:                 serverID,
		AuthorityHost:            f.URL(),
		DisableInstanceDiscovery: true,
		Credentials:              sdk.Credentials{FederatedTokenFile: tokenFile},
	}
}

func getToken(t *testing.T, f *idp, req *sdk.Request) (*sdk.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider{httpClient: emutest.HTTPClient(f.Emulator)}.GetToken(ctx, req, nil)
}

// jobVariablesInEnv sets the GitHub Actions variables in the provider's
// own environment, which it must ignore: the host resolves them (and
// applies --disable-environment-override) and sends them in the request.
func jobVariablesInEnv(t *testing.T) {
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/never-called")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ignored")
}

// TestTokenFile: the assertion is the file's content, read again on every
// request so the kubelet's rotation is picked up.
func TestTokenFile(t *testing.T) {
	jobVariablesInEnv(t)
	f := newIdP(t)
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	writeFile(t, file, f.token(t, podSubject, time.Now())+"\n")
	req := request(f, file)

	tok, err := getToken(t, f, req)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.Account != clientID || time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token = %v", tok)
	}
	r := f.tokenRequests()[0]
	if r.ClientID != clientID || r.GrantType != "client_credentials" || !slices.Contains(strings.Fields(r.Scope), serverID+"/.default") {
		t.Errorf("token request = %+v", r)
	}

	writeFile(t, file, f.token(t, rotatedSubject, time.Now()))
	next, err := getToken(t, f, req)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == tok.AccessToken {
		t.Error("second token is the first one, want a new one")
	}
	if got, want := f.assertions(), []string{podSubject, rotatedSubject}; !slices.Equal(got, want) {
		t.Errorf("assertions sent for subjects %q, want %q", got, want)
	}
}

// TestInvalidSettings: each refusal names what to set, and nothing is sent.
func TestInvalidSettings(t *testing.T) {
	jobVariablesInEnv(t)
	f := newIdP(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	writeFile(t, file, f.token(t, podSubject, time.Now()))
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "\n")
	tests := []struct {
		name   string
		change func(*sdk.Request)
		want   []string
	}{
		{"no client id", func(r *sdk.Request) { r.ClientID = "" }, []string{"--client-id", "AZURE_CLIENT_ID"}},
		{"no tenant id", func(r *sdk.Request) { r.TenantID = "" }, []string{"--tenant-id", "AZURE_TENANT_ID"}},
		{"no token file", func(r *sdk.Request) { r.Credentials.FederatedTokenFile = "" }, []string{"--federated-token-file", "AZURE_FEDERATED_TOKEN_FILE"}},
		{"no scope", func(r *sdk.Request) { r.Scopes = nil }, []string{"--server-id"}},
		{"authority not https", func(r *sdk.Request) { r.AuthorityHost = "http://login.example/" }, []string{"--authority-host"}},
		{"token file missing", func(r *sdk.Request) { r.Credentials.FederatedTokenFile = filepath.Join(dir, "nope") }, []string{filepath.Join(dir, "nope"), "cannot read it: no such file or directory"}},
		{"token file empty", func(r *sdk.Request) { r.Credentials.FederatedTokenFile = empty }, []string{empty, "is empty"}},
		{"legacy", func(r *sdk.Request) { r.Legacy = true }, []string{"does not support --legacy"}},
		{"pop", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{ReqCnf: "cnf"} }, []string{"does not support PoP", "--pop-enabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(f, file)
			tt.change(req)
			_, err := getToken(t, f, req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !contains(err.Error(), tt.want...) {
				t.Errorf("err = %v (%v), want invalid request mentioning %q", err, sdk.CodeOf(err), tt.want)
			}
		})
	}
	if n := len(f.assertions()); n != 0 {
		t.Errorf("%d token requests were sent for invalid settings", n)
	}
}

// TestEntraRefusals: Entra's refusals of the assertion say which token to
// renew or which federation record to fix.
func TestEntraRefusals(t *testing.T) {
	jobVariablesInEnv(t)
	f := newIdP(t)
	file := filepath.Join(t.TempDir(), "token")
	tests := []struct {
		name, assertion string
		code            sdk.ErrorCode
		aadsts          int64
		want            []string
	}{
		{"expired", f.token(t, podSubject, time.Now().Add(-2*time.Hour)), sdk.CodeExpired, 700024,
			[]string{"AADSTS700024: Client assertion is not within its valid time range.", "federated token file " + file, "must be refreshed"}},
		{"no federation record", f.token(t, strangerSubject, time.Now()), sdk.CodeInvalidClient, 700213,
			[]string{"AADSTS700213", "federated token file " + file, "federated identity credential", "api://AzureADTokenExchange"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFile(t, file, tt.assertion)
			_, err := getToken(t, f, request(f, file))
			e, ok := err.(*sdk.Error)
			if !ok || e.Code != tt.code || !slices.Equal(e.AADSTS, []int64{tt.aadsts}) || !contains(e.Message, tt.want...) {
				t.Fatalf("err = %#v, want %v AADSTS%d mentioning %q", err, tt.code, tt.aadsts, tt.want)
			}
			if strings.ContainsAny(e.Message, "\r\n") {
				t.Errorf("message is not one line: %q", e.Message)
			}
		})
	}
}

// TestGitHubActions: inside a job the assertion comes from the job's OIDC
// endpoint, with the token exchange audience and the headers GitHub
// expects, and no token file is needed.
func TestGitHubActions(t *testing.T) {
	tests := []struct {
		name   string
		path   string // of the job's OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)
		status int
		empty  bool   // the reply holds no token
		query  string // expected raw query
		code   sdk.ErrorCode
		want   string
	}{
		{name: "url with query", path: "/actions/idtoken?api-version=2.0",
			query: "api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"},
		{name: "url without query", path: "/actions/idtoken",
			query: "audience=api%3A%2F%2FAzureADTokenExchange"},
		{name: "no id-token permission", path: "/actions/idtoken?api-version=2.0", status: 403,
			code: sdk.CodeUnspecified, want: "GitHub Actions refused the OIDC token request with HTTP 403: check that the workflow grants `permissions: id-token: write`"},
		{name: "runner service down", path: "/actions/idtoken", status: 503, code: sdk.CodeUnavailable, want: "HTTP 503"},
		{name: "reply without token", path: "/actions/idtoken", empty: true,
			code: sdk.CodeUnspecified, want: `GitHub Actions OIDC token reply holds no token (JSON field "value")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newIdP(t)
			f.actionsStatus, f.actionsEmpty = tt.status, tt.empty
			req := request(f, "")
			req.Credentials.OIDCRequestURL = f.actions.URL + tt.path
			req.Credentials.OIDCRequestToken = "runtime-bearer-token"
			tok, err := getToken(t, f, req)
			calls := f.oidcRequests()
			if len(calls) != 1 {
				t.Fatalf("OIDC endpoint calls = %d, want 1", len(calls))
			}
			if tt.want != "" {
				if sdk.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v (%v), want %v mentioning %q", err, sdk.CodeOf(err), tt.code, tt.want)
				}
				if n := len(f.assertions()); n != 0 {
					t.Errorf("%d token requests were sent without an assertion", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := calls[0]
			if r.URL.RawQuery != tt.query || r.Header.Get("Authorization") != "bearer runtime-bearer-token" || r.Header.Get("Accept") != "application/json; api-version=2.0" {
				t.Errorf("OIDC request: query %q, headers %v", r.URL.RawQuery, r.Header)
			}
			if got := f.assertions(); !slices.Equal(got, []string{actionsSubject}) || tok.AccessToken == "" {
				t.Errorf("assertions sent for subjects %q, token %v", got, tok)
			}
		})
	}
}
