package azurepipelines

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// request is what the host sends from an AzureCLI@2 task's environment
// (AZURESUBSCRIPTION_CLIENT_ID, …_TENANT_ID, …_SERVICE_CONNECTION_ID) with
// System.AccessToken mapped into it (SYSTEM_ACCESSTOKEN, SYSTEM_OIDCREQUESTURI).
func request(p *pipeline) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "azurepipelines",
		TenantID:                 entraemu.DefaultTenantID,
		ClientID:                 appID,
		Scopes:                   []string{entraemu.AKSServerID + "/.default"},
		Resource:                 entraemu.AKSServerID,
		AuthorityHost:            p.em.URL(),
		DisableInstanceDiscovery: true,
		Credentials:              sdk.Credentials{OIDCRequestURL: p.oidcURI(), OIDCRequestToken: accessToken},
		Extra:                    map[string]string{"service_connection_id": connectionID},
	}
}

// jobVariablesInEnv sets the job's variables in the provider's own
// environment to values it must ignore: the host resolves them (and applies
// --disable-environment-override) and sends them in the request.
func jobVariablesInEnv(t *testing.T) {
	t.Setenv("SYSTEM_ACCESSTOKEN", "not-this-one")
	t.Setenv("SYSTEM_OIDCREQUESTURI", "https://127.0.0.1:9/never-called")
}

func getToken(t *testing.T, p *pipeline, req *sdk.Request) (*sdk.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider{httpClient: p.em.CA().HTTPClient()}.GetToken(ctx, req, nil)
}

// TestToken: the job's OIDC endpoint is asked exactly as Azure DevOps
// expects, and every request gets a fresh OIDC token, since nothing is kept.
func TestToken(t *testing.T) {
	p := newPipeline(t)
	jobVariablesInEnv(t)
	for i := 1; i <= 2; i++ {
		tok, err := getToken(t, p, request(p))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Account != appID || len(tok.State) != 0 || time.Until(tok.ExpiresAt) < 50*time.Minute {
			t.Errorf("token = %v", tok)
		}
		if aud := audience(t, tok.AccessToken); aud != entraemu.AKSServerID {
			t.Errorf("access token audience = %q", aud)
		}
		if n, m := len(p.oidcCalls()), p.em.Count("client_credentials"); n != i || m != i {
			t.Fatalf("after %d requests: %d OIDC calls and %d token requests", i, n, m)
		}
	}
	r := p.oidcCalls()[0]
	if r.Method != http.MethodPost || r.URL.Path != oidcPath || r.URL.RawQuery != "api-version=7.1&serviceConnectionId="+connectionID ||
		r.Header.Get("Authorization") != "Bearer "+accessToken {
		t.Errorf("OIDC request: %s %s, headers %v", r.Method, r.URL, r.Header)
	}
}

func audience(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatal("access token is not a JWT")
	}
	var c struct {
		Aud string `json:"aud"`
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Aud
}

// TestInvalidSettings: each refusal names what to set, and nothing is sent.
func TestInvalidSettings(t *testing.T) {
	p := newPipeline(t)
	tests := []struct {
		name   string
		change func(*testing.T, *sdk.Request)
		want   []string
	}{
		{"no client id", func(_ *testing.T, r *sdk.Request) { r.ClientID = "" }, []string{"--client-id", "AZURESUBSCRIPTION_CLIENT_ID"}},
		{"no tenant id", func(_ *testing.T, r *sdk.Request) { r.TenantID = "" }, []string{"--tenant-id", "AZURESUBSCRIPTION_TENANT_ID"}},
		{"no service connection id", func(_ *testing.T, r *sdk.Request) { r.Extra = nil },
			[]string{"--azure-pipelines-service-connection-id", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"}},
		{"no scope", func(_ *testing.T, r *sdk.Request) { r.Scopes = nil }, []string{"--server-id"}},
		{"authority not https", func(_ *testing.T, r *sdk.Request) { r.AuthorityHost = "http://login.example/" }, []string{"--authority-host"}},
		{"no SYSTEM_ACCESSTOKEN", func(_ *testing.T, r *sdk.Request) { r.Credentials.OIDCRequestToken = "" },
			[]string{"SYSTEM_ACCESSTOKEN is not set: map it into the task's env (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))"}},
		{"no SYSTEM_OIDCREQUESTURI", func(_ *testing.T, r *sdk.Request) { r.Credentials.OIDCRequestURL = "" },
			[]string{"SYSTEM_OIDCREQUESTURI is not set", "Azure Pipelines job"}},
		{"SYSTEM_OIDCREQUESTURI in clear text", func(_ *testing.T, r *sdk.Request) {
			r.Credentials.OIDCRequestURL = strings.Replace(p.oidcURI(), "https:", "http:", 1)
		}, []string{"SYSTEM_OIDCREQUESTURI", "is not an https URL"}},
		{"legacy", func(_ *testing.T, r *sdk.Request) { r.Legacy = true }, []string{"does not support --legacy"}},
		{"pop", func(_ *testing.T, r *sdk.Request) { r.PoP = &sdk.PoPRequest{ReqCnf: "cnf"} }, []string{"does not support PoP", "--pop-enabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobVariablesInEnv(t)
			req := request(p)
			tt.change(t, req)
			_, err := getToken(t, p, req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !contains(err.Error(), tt.want...) {
				t.Errorf("err = %v (%v), want invalid request mentioning %q", err, sdk.CodeOf(err), tt.want)
			}
		})
	}
	if n, m := len(p.oidcCalls()), len(p.em.Requests()); n != 0 || m != 0 {
		t.Errorf("invalid settings sent %d OIDC and %d Entra requests", n, m)
	}
}

// TestOIDCEndpointRefusals: the pipeline's refusals are told apart from
// Entra's and say what to fix in the pipeline; no assertion is sent.
func TestOIDCEndpointRefusals(t *testing.T) {
	tests := []struct {
		name   string
		change func(*testing.T, *sdk.Request)
		want   []string
	}{
		{name: "pipeline not authorized", change: func(_ *testing.T, r *sdk.Request) { r.Extra["service_connection_id"] = forbiddenID },
			want: []string{"HTTP 403", "lacks permission to use service connection " + forbiddenID, "TF400813"}},
		{name: "wrong SYSTEM_ACCESSTOKEN", change: func(_ *testing.T, r *sdk.Request) { r.Credentials.OIDCRequestToken = "another-jobs-token" },
			want: []string{"HTTP 401", "lacks permission"}},
		{name: "unknown service connection", change: func(_ *testing.T, r *sdk.Request) { r.Extra["service_connection_id"] = "nope" },
			want: []string{"HTTP 404", "check the service connection ID nope", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "Service connection not found."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			jobVariablesInEnv(t)
			req := request(p)
			tt.change(t, req)
			_, err := getToken(t, p, req)
			e, ok := err.(*sdk.Error)
			if !ok || e.Code != sdk.CodeUnspecified || len(e.AADSTS) != 0 || !contains(e.Message, tt.want...) {
				t.Fatalf("err = %#v, want unspecified mentioning %q", err, tt.want)
			}
			if strings.Contains(e.Message, accessToken) || strings.ContainsAny(e.Message, "\r\n") {
				t.Errorf("message leaks the job's token or spans lines: %q", e.Message)
			}
			if n := p.em.Count("client_credentials"); n != 0 {
				t.Errorf("%d token requests were sent without an assertion", n)
			}
		})
	}
}

// TestEntraRefusals: Entra's refusals of the pipeline's token keep their
// AADSTS number and say which token and which federation record it was.
func TestEntraRefusals(t *testing.T) {
	tests := []struct {
		name     string
		subject  string
		lifetime time.Duration
		code     sdk.ErrorCode
		aadsts   int64
		want     []string
	}{
		{"expired assertion", subject, -time.Minute, sdk.CodeExpired, 700024,
			[]string{"AADSTS700024: Client assertion is not within its valid time range.", "OIDC token for service connection " + connectionID + " had expired"}},
		{"no federation record", "sc://contoso/other/connection", time.Hour, sdk.CodeInvalidClient, 700213,
			[]string{"AADSTS700213", "service connection " + connectionID, "federated identity credential of application " + appID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			jobVariablesInEnv(t)
			p.set(tt.subject, tt.lifetime)
			_, err := getToken(t, p, request(p))
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
