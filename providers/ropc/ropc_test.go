package ropc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const password = "correct-horse-battery-staple"

var username = "deploy-bot@" + entraemu.DefaultTenantDomain

// newEmulator starts an Entra ID emulator with the AKS apps and a user with
// a password. Access tokens shorter than five minutes are stale to MSAL at
// once, so the next run with the state redeems the refresh token.
func newEmulator(t *testing.T, accessTokenLifetime time.Duration) *entraemu.Emulator {
	t.Helper()
	return emutest.Start(t, entraemu.Options{AccessTokenLifetime: accessTokenLifetime}, func(em *entraemu.Emulator) {
		em.AddUser(entraemu.User{UPN: username, Password: password})
	})
}

func request(em *entraemu.Emulator) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "ropc",
		TenantID:                 entraemu.DefaultTenantID,
		ClientID:                 entraemu.AKSClientID,
		Scopes:                   []string{entraemu.AKSServerID + "/.default"},
		Resource:                 entraemu.AKSServerID,
		AuthorityHost:            em.URL(),
		DisableInstanceDiscovery: true,
		Credentials:              sdk.Credentials{Username: username, Password: password},
	}
}

func getToken(t *testing.T, client *http.Client, req *sdk.Request) (*sdk.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider{httpClient: client}.GetToken(ctx, req, nil)
}

// mustToken runs a request that must succeed.
func mustToken(t *testing.T, em *entraemu.Emulator, req *sdk.Request) *sdk.Token {
	t.Helper()
	tok, err := getToken(t, em.CA().HTTPClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || len(tok.State) == 0 || !strings.EqualFold(tok.Account, req.Credentials.Username) {
		t.Fatalf("token = %v", tok)
	}
	if c := claims(t, tok.AccessToken); c.UPN != req.Credentials.Username || c.Aud != entraemu.AKSServerID {
		t.Fatalf("access token for %q with audience %q", c.UPN, c.Aud)
	}
	return tok
}

type accessClaims struct {
	Aud string `json:"aud"`
	UPN string `json:"upn"`
	Cnf struct {
		Kid string `json:"kid"`
	} `json:"cnf"`
}

func claims(t *testing.T, jwt string) accessClaims {
	t.Helper()
	var c accessClaims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// grants counts the password and refresh token grants the emulator saw.
func grants(em *entraemu.Emulator) (passwords, refreshes int) {
	return em.Count("password"), em.Count("refresh_token")
}

func TestSignInThenRenewFromState(t *testing.T) {
	tests := []struct {
		name      string
		lifetime  time.Duration
		refreshes int
	}{
		{"access token still good", time.Hour, 0},
		{"access token expired", 4 * time.Minute, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := newEmulator(t, tt.lifetime)
			req := request(em)
			first := mustToken(t, em, req)
			if p, r := grants(em); p != 1 || r != 0 {
				t.Fatalf("first run: %d password and %d refresh grants, want 1 and 0", p, r)
			}

			req.State = first.State
			next := mustToken(t, em, req)
			if p, r := grants(em); p != 1 || r != tt.refreshes {
				t.Fatalf("second run: %d password and %d refresh grants, want 1 and %d: the password must not be sent again", p, r, tt.refreshes)
			}
			if renewed := next.AccessToken != first.AccessToken; renewed != (tt.refreshes > 0) {
				t.Errorf("access token renewed = %v, want %v", renewed, tt.refreshes > 0)
			}
		})
	}
}

// TestStateFallsBackToPassword: when the state cannot renew the token, the
// password is at hand, so the provider signs in again without failing.
func TestStateFallsBackToPassword(t *testing.T) {
	other := "other-bot@" + entraemu.DefaultTenantDomain
	tests := []struct {
		name  string
		state func(t *testing.T, em *entraemu.Emulator) []byte
	}{
		{"revoked refresh token", func(t *testing.T, em *entraemu.Emulator) []byte {
			st := mustToken(t, em, request(em)).State
			em.RevokeRefreshTokens()
			return st
		}},
		{"state of another user", func(t *testing.T, em *entraemu.Emulator) []byte {
			em.AddUser(entraemu.User{UPN: other, Password: "other-password"})
			req := request(em)
			req.Credentials = sdk.Credentials{Username: other, Password: "other-password"}
			return mustToken(t, em, req).State
		}},
		{"unreadable state", func(*testing.T, *entraemu.Emulator) []byte { return []byte("not an MSAL cache") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := newEmulator(t, 4*time.Minute)
			req := request(em)
			req.State = tt.state(t, em)
			before, _ := grants(em)
			mustToken(t, em, req)
			if after, _ := grants(em); after != before+1 {
				t.Errorf("password grants %d → %d, want one more", before, after)
			}
		})
	}
}

func TestEntraErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(t *testing.T, em *entraemu.Emulator, r *sdk.Request)
		code   sdk.ErrorCode
		aadsts int64
		want   string
	}{
		{"wrong password", func(_ *testing.T, _ *entraemu.Emulator, r *sdk.Request) {
			r.Credentials.Password = "wrong-password-value"
		},
			sdk.CodeInvalidRequest, 50126, "AADSTS50126: Error validating credentials due to invalid username or password: check --username (AZURE_USERNAME) and --password (AZURE_PASSWORD)"},
		{"unknown user", func(_ *testing.T, _ *entraemu.Emulator, r *sdk.Request) {
			r.Credentials.Username = "nobody@" + entraemu.DefaultTenantDomain
		},
			sdk.CodeInvalidRequest, 50034, "check --username (AZURE_USERNAME)"},
		{"MFA required", func(t *testing.T, em *entraemu.Emulator, _ *sdk.Request) { requireMFA(t, em) },
			sdk.CodeInteractionRequired, 50076, "AADSTS50076: "},
		{"MFA required once signed in", func(t *testing.T, em *entraemu.Emulator, r *sdk.Request) {
			r.State = mustToken(t, em, request(em)).State
			requireMFA(t, em)
		}, sdk.CodeInteractionRequired, 50076, "multi-factor authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := newEmulator(t, 4*time.Minute)
			req := request(em)
			tt.edit(t, em, req)
			_, err := getToken(t, em.CA().HTTPClient(), req)
			e, ok := err.(*sdk.Error)
			if !ok || e.Code != tt.code || !slices.Equal(e.AADSTS, []int64{tt.aadsts}) || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("err = %#v, want code %v, AADSTS%d and %q", err, tt.code, tt.aadsts, tt.want)
			}
			if strings.Contains(e.Message, req.Credentials.Password) || strings.Contains(e.Message, "\n") {
				t.Errorf("message is not one line without the password: %q", e.Message)
			}
		})
	}
}

func requireMFA(t *testing.T, em *entraemu.Emulator) {
	t.Helper()
	if err := em.SetRequireMFA(entraemu.AKSClientID, true); err != nil {
		t.Fatal(err)
	}
}

func TestMissingSettings(t *testing.T) {
	em := newEmulator(t, time.Hour)
	tests := []struct {
		name string
		edit func(*sdk.Request)
		want string
	}{
		{"client id", func(r *sdk.Request) { r.ClientID = "" }, "--client-id, AAD_SERVICE_PRINCIPAL_CLIENT_ID or AZURE_CLIENT_ID"},
		{"tenant", func(r *sdk.Request) { r.TenantID = "" }, "--tenant-id or AZURE_TENANT_ID"},
		{"username", func(r *sdk.Request) { r.Credentials.Username = "" }, "--username, AZURE_USERNAME or AAD_USER_PRINCIPAL_NAME"},
		{"password", func(r *sdk.Request) { r.Credentials.Password = "" }, "--password, AZURE_PASSWORD or AAD_USER_PRINCIPAL_PASSWORD"},
		{"scopes", func(r *sdk.Request) { r.Scopes = nil }, "--server-id"},
		{"legacy", func(r *sdk.Request) { r.Legacy = true }, "--legacy"},
		{"pop without req_cnf", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{} }, "req_cnf"},
		{"authority host", func(r *sdk.Request) { r.AuthorityHost = "http://insecure/" }, "--authority-host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(em)
			tt.edit(req)
			_, err := getToken(t, em.CA().HTTPClient(), req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (%v), want invalid request mentioning %q", err, sdk.CodeOf(err), tt.want)
			}
		})
	}
	if n := em.Counts().Total; n != 0 {
		t.Errorf("incomplete requests sent %d requests to Entra ID", n)
	}
}

// TestPoP: password and refresh grants both ask for a token bound to the
// host's key, and the raw token comes back for the host to wrap and sign.
func TestPoP(t *testing.T) {
	em := newEmulator(t, 4*time.Minute)
	req := request(em)
	req.PoP = &sdk.PoPRequest{ReqCnf: base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"host-key-thumbprint","xms_ksl":"sw"}`))}
	for run := 1; run <= 2; run++ {
		tok := mustToken(t, em, req)
		if kid := claims(t, tok.AccessToken).Cnf.Kid; kid != "host-key-thumbprint" {
			t.Errorf("run %d: access token cnf.kid = %q, want the host key's", run, kid)
		}
		req.State = tok.State
	}
	if p, r := grants(em); p != 1 || r != 1 {
		t.Errorf("%d password and %d refresh grants, want 1 and 1", p, r)
	}
}

// TestCancelled: an Entra ID that never answers holds the provider only
// until the host's deadline or cancellation.
func TestCancelled(t *testing.T) {
	hang := httptest.NewTLSServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want string
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, "--timeout"},
		{"host cancels", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &sdk.Request{TenantID: "t", ClientID: "c", Scopes: []string{"s/.default"}, AuthorityHost: hang.URL + "/",
				DisableInstanceDiscovery: true, Credentials: sdk.Credentials{Username: username, Password: password}}
			ctx, cancel := tt.ctx()
			defer cancel()
			began := time.Now()
			_, err := provider{httpClient: hang.Client()}.GetToken(ctx, req, nil)
			if sdk.CodeOf(err) != sdk.CodeCancelled || !strings.Contains(err.Error(), tt.want) || time.Since(began) > 3*time.Second {
				t.Errorf("err = %v (%v) after %v", err, sdk.CodeOf(err), time.Since(began))
			}
		})
	}
}
