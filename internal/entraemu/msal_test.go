package entraemu_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

var serverScope = []string{entraemu.AKSServerID + "/.default"}

func confidentialClient(t *testing.T, em *entraemu.Emulator, tenant, clientID string, cred confidential.Credential) confidential.Client {
	t.Helper()
	c, err := confidential.New(em.Authority(tenant), clientID, cred,
		confidential.WithHTTPClient(em.CA().HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publicClient(t *testing.T, em *entraemu.Emulator) public.Client {
	t.Helper()
	c, err := public.New(entraemu.AKSClientID, public.WithAuthority(em.Authority(entraemu.DefaultTenantID)),
		public.WithHTTPClient(em.CA().HTTPClient()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMSALConfidentialClientSecret(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	tests := []struct {
		name, tenant, clientID, secret, wantErr string
	}{
		{name: "valid", tenant: entraemu.DefaultTenantID, clientID: spnClientID, secret: testSecret},
		{name: "tenant by domain", tenant: entraemu.DefaultTenantDomain, clientID: spnClientID, secret: testSecret},
		{name: "wrong secret", tenant: entraemu.DefaultTenantID, clientID: spnClientID, secret: "nope", wantErr: "AADSTS7000215"},
		{name: "unknown client", tenant: entraemu.DefaultTenantID, clientID: "0b9e0c5e-0000-4000-8000-000000000001", secret: testSecret, wantErr: "AADSTS700016"},
		{name: "unknown tenant", tenant: "0b9e0c5e-0000-4000-8000-000000000002", clientID: spnClientID, secret: testSecret, wantErr: "AADSTS90002"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := confidential.NewCredFromSecret(tc.secret)
			if err != nil {
				t.Fatal(err)
			}
			res, err := confidentialClient(t, em, tc.tenant, tc.clientID, cred).AcquireTokenByCredential(ctx(t), serverScope)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := claims(t, res.AccessToken)
			want := map[string]any{
				"aud": entraemu.AKSServerID, "iss": em.IssuerV2(entraemu.DefaultTenantID), "tid": entraemu.DefaultTenantID,
				"azp": spnClientID, "azpacr": "1", "idtyp": "app", "ver": "2.0",
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
		})
	}
}

func TestMSALCertificateCredential(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	cert, key, err := testca.SelfSignedRSA("spn-cert")
	if err != nil {
		t.Fatal(err)
	}
	other, otherKey, err := testca.SelfSignedRSA("someone-else")
	if err != nil {
		t.Fatal(err)
	}
	const certClient = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
	em.AddClient(entraemu.Client{ID: certClient, Certificate: cert})

	good, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	res, err := confidentialClient(t, em, entraemu.DefaultTenantID, certClient, good).AcquireTokenByCredential(ctx(t), serverScope)
	if err != nil {
		t.Fatal(err)
	}
	if got := claims(t, res.AccessToken)["azpacr"]; got != "2" {
		t.Errorf("azpacr = %v, want 2 (certificate)", got)
	}

	bad, err := confidential.NewCredFromCert([]*x509.Certificate{other}, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = confidentialClient(t, em, entraemu.DefaultTenantID, certClient, bad).AcquireTokenByCredential(ctx(t), serverScope)
	if err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("error = %v, want AADSTS700027", err)
	}
}

func TestMSALWorkloadIdentity(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	issuer, err := entraemu.NewFederatedIssuer("https://oidc.example.test/cluster")
	if err != nil {
		t.Fatal(err)
	}
	const wiClient = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
	const subject = "system:serviceaccount:default:workload"
	em.AddClient(entraemu.Client{ID: wiClient, FederatedCredentials: []entraemu.FederatedCredential{issuer.Credential(subject)}})
	now := time.Now()
	tests := []struct {
		name, subject string
		nbf, exp      time.Time
		wantErr       string
	}{
		{name: "valid", subject: subject, nbf: now.Add(-time.Minute), exp: now.Add(time.Hour)},
		{name: "expired", subject: subject, nbf: now.Add(-2 * time.Hour), exp: now.Add(-time.Hour), wantErr: "AADSTS700024"},
		{name: "wrong subject", subject: "system:serviceaccount:default:other", nbf: now, exp: now.Add(time.Hour), wantErr: "AADSTS700213"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token, err := issuer.Token(tc.subject, tc.nbf, tc.exp)
			if err != nil {
				t.Fatal(err)
			}
			cred := confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
				return token, nil
			})
			res, err := confidentialClient(t, em, entraemu.DefaultTenantID, wiClient, cred).AcquireTokenByCredential(ctx(t), serverScope)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := claims(t, res.AccessToken)["aud"]; got != entraemu.AKSServerID {
				t.Errorf("aud = %v", got)
			}
		})
	}
}

// TestMSALDeviceCodeThenSilentRefresh is the devicecode login mode end to end: the user approves, and
// a later silent call after expiry redeems the refresh token (MSAL treats tokens within 5 minutes of expiry
// as expired, so a 1-minute lifetime forces the refresh without sleeping).
func TestMSALDeviceCodeThenSilentRefresh(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AccessTokenLifetime: time.Minute})
	client := publicClient(t, em)
	dc, err := client.AcquireTokenByDeviceCode(ctx(t), serverScope)
	if err != nil {
		t.Fatal(err)
	}
	issued := nextDeviceCode(t, em)
	if issued.UserCode != dc.Result.UserCode || !strings.Contains(dc.Result.Message, dc.Result.UserCode) {
		t.Fatalf("device code mismatch: issued %q, MSAL saw %q (%q)", issued.UserCode, dc.Result.UserCode, dc.Result.Message)
	}
	if err := em.ApproveDeviceCode(issued.UserCode); err != nil {
		t.Fatal(err)
	}
	first, err := dc.AuthenticationResult(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if first.Account.PreferredUsername != entraemu.DefaultUserUPN {
		t.Errorf("account = %q, want %q", first.Account.PreferredUsername, entraemu.DefaultUserUPN)
	}
	c := claims(t, first.AccessToken)
	if c["upn"] != entraemu.DefaultUserUPN || c["aud"] != entraemu.AKSServerID || c["scp"] != "user_impersonation" {
		t.Errorf("unexpected claims %v", c)
	}
	if n := em.Count("device_code"); n < 1 {
		t.Errorf("device_code grant count = %d", n)
	}

	second, err := client.AcquireTokenSilent(ctx(t), serverScope, public.WithSilentAccount(first.Account))
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken {
		t.Error("silent call returned the expired token instead of refreshing")
	}
	if n := em.Count("refresh_token"); n != 1 {
		t.Errorf("refresh_token grants = %d, want 1", n)
	}

	if n := em.RevokeRefreshTokens(); n != 2 {
		t.Errorf("revoked %d refresh tokens, want 2 (original and rotated)", n)
	}
	_, err = client.AcquireTokenSilent(ctx(t), serverScope, public.WithSilentAccount(first.Account))
	if err == nil || !strings.Contains(err.Error(), "AADSTS50173") {
		t.Fatalf("after revocation error = %v, want AADSTS50173", err)
	}
}

func TestMSALDeviceCodeOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		act     func(*entraemu.Emulator, string) error
		wantErr string
	}{
		{name: "declined", act: (*entraemu.Emulator).DenyDeviceCode, wantErr: "authorization_declined"},
		{name: "expired", act: func(em *entraemu.Emulator, _ string) error { em.AdvanceClock(16 * time.Minute); return nil }, wantErr: "AADSTS70020"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			em := newEmulator(t, entraemu.Options{})
			dc, err := publicClient(t, em).AcquireTokenByDeviceCode(ctx(t), serverScope)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.act(em, nextDeviceCode(t, em).UserCode); err != nil {
				t.Fatal(err)
			}
			_, err = dc.AuthenticationResult(ctx(t))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

func TestMSALDeviceCodeAutoApprove(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AutoApproveDeviceCodeAfter: 10 * time.Millisecond})
	dc, err := publicClient(t, em).AcquireTokenByDeviceCode(ctx(t), serverScope)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.AuthenticationResult(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// TestMSALInteractivePKCE drives MSAL's browser flow (PKCE, form_post) with entraemu.Browser.
func TestMSALInteractivePKCE(t *testing.T) {
	const upn = "carol@" + entraemu.DefaultTenantDomain
	tests := []struct {
		name      string
		autoLogin bool
		browser   entraemu.Browser
		wantUPN   string
		wantErr   string
	}{
		{name: "auto login", autoLogin: true, wantUPN: entraemu.DefaultUserUPN},
		{name: "login form", browser: entraemu.Browser{Username: upn, Password: "pw"}, wantUPN: upn},
		{name: "wrong password", browser: entraemu.Browser{Username: upn, Password: "nope"}, wantErr: "account or password is incorrect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			em := newEmulator(t, entraemu.Options{AutoLogin: tc.autoLogin})
			em.AddUser(entraemu.User{UPN: upn, Password: "pw"})
			b := tc.browser
			b.HTTPClient = em.CA().HTTPClient()
			c, cancel := context.WithCancel(ctx(t))
			defer cancel()
			browseErr := make(chan error, 1)
			open := func(u string) error {
				go func() {
					err := b.Open(c, u)
					if err != nil {
						cancel() // MSAL would otherwise wait for a redirect that never comes
					}
					browseErr <- err
				}()
				return nil
			}
			res, err := publicClient(t, em).AcquireTokenInteractive(c, serverScope, public.WithOpenURL(open))
			if berr := <-browseErr; tc.wantErr != "" {
				if berr == nil || !strings.Contains(berr.Error(), tc.wantErr) {
					t.Fatalf("browser error = %v, want %q", berr, tc.wantErr)
				}
				return
			} else if berr != nil {
				t.Fatal(berr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := claims(t, res.AccessToken)["upn"]; got != tc.wantUPN {
				t.Errorf("upn = %v, want %s", got, tc.wantUPN)
			}
		})
	}
}

func TestMSALUsernamePassword(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	em.AddUser(entraemu.User{UPN: "bob@" + entraemu.DefaultTenantDomain, Password: "correct horse"})
	client := publicClient(t, em)
	tests := []struct {
		name, password, wantErr string
		mfa                     bool
	}{
		{name: "valid", password: "correct horse"},
		{name: "wrong password", password: "battery staple", wantErr: "AADSTS50126"},
		{name: "conditional access", password: "correct horse", mfa: true, wantErr: "AADSTS50076"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := em.SetRequireMFA(entraemu.AKSClientID, tc.mfa); err != nil {
				t.Fatal(err)
			}
			//lint:ignore SA1019 ROPC is deprecated in MSAL, but kubelogin's ropc mode still uses it
			_, err := client.AcquireTokenByUsernamePassword(ctx(t), serverScope, "bob@"+entraemu.DefaultTenantDomain, tc.password)
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

// popScheme is a minimal MSAL authentication scheme, enough to show the emulator's PoP response satisfies
// MSAL (token_type must come back as "pop").
type popScheme struct{ kid string }

func (p popScheme) TokenRequestParams() map[string]string {
	cnf := base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"` + p.kid + `","xms_ksl":"sw"}`))
	return map[string]string{"token_type": "pop", "req_cnf": cnf}
}
func (p popScheme) KeyID() string                               { return p.kid }
func (p popScheme) FormatAccessToken(at string) (string, error) { return at, nil }
func (p popScheme) AccessTokenType() string                     { return "pop" }

func TestMSALPoP(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	sum := sha256.Sum256([]byte("a key"))
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	cred, err := confidential.NewCredFromSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	res, err := confidentialClient(t, em, entraemu.DefaultTenantID, spnClientID, cred).
		AcquireTokenByCredential(ctx(t), serverScope, confidential.WithAuthenticationScheme(popScheme{kid}))
	if err != nil {
		t.Fatal(err)
	}
	cnf, _ := claims(t, res.AccessToken)["cnf"].(map[string]any)
	if cnf["kid"] != kid {
		t.Errorf("cnf = %v, want kid %s", cnf, kid)
	}
}

func TestAzidentityClientSecretCredential(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	cred, err := azidentity.NewClientSecretCredential(entraemu.DefaultTenantID, spnClientID, testSecret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: em.URL()},
				Transport: em.CA().HTTPClient(),
			},
			DisableInstanceDiscovery: true,
		})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(ctx(t), policy.TokenRequestOptions{Scopes: serverScope})
	if err != nil {
		t.Fatal(err)
	}
	if got := claims(t, tok.Token)["aud"]; got != entraemu.AKSServerID {
		t.Errorf("aud = %v", got)
	}
	if until := time.Until(tok.ExpiresOn); until < 55*time.Minute || until > time.Hour {
		t.Errorf("ExpiresOn in %v, want about 1h", until)
	}
}

func TestAzidentityDeviceCodeCredential(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	var shown string
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: em.URL()},
			Transport: em.CA().HTTPClient(),
		},
		ClientID:                 entraemu.AKSClientID,
		TenantID:                 entraemu.DefaultTenantID,
		DisableInstanceDiscovery: true,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			shown = m.Message
			return em.ApproveDeviceCode(m.UserCode)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(ctx(t), policy.TokenRequestOptions{Scopes: serverScope})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown, em.URL()+"devicelogin") {
		t.Errorf("prompt %q does not name the verification page", shown)
	}
	if got := claims(t, tok.Token)["upn"]; got != entraemu.DefaultUserUPN {
		t.Errorf("upn = %v", got)
	}
}

// TestMSALManagedIdentityAppService uses MSAL's App Service source, the one managed identity source whose
// endpoint a test can point anywhere (IMDS is fixed at 169.254.169.254).
func TestMSALManagedIdentityAppService(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	// MSAL caches managed identity tokens process-wide, so each run needs an identity it has not seen.
	var b [6]byte
	_, _ = rand.Read(b[:])
	mi := em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: fmt.Sprintf("9f8e7d6c-5b4a-4392-8170-%x", b), ResourceID: "/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z"})
	t.Setenv("IDENTITY_ENDPOINT", em.ManagedIdentityURL())
	t.Setenv("IDENTITY_HEADER", em.IdentityHeader())
	client, err := managedidentity.New(managedidentity.UserAssignedClientID(mi.ClientID),
		managedidentity.WithHTTPClient(em.CA().HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.AcquireToken(ctx(t), entraemu.AKSServerID)
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, res.AccessToken)
	if c["aud"] != entraemu.AKSServerID || c["appid"] != mi.ClientID || c["oid"] != mi.ObjectID || c["iss"] != em.IssuerV1(entraemu.DefaultTenantID) {
		t.Errorf("unexpected claims %v", c)
	}
	if em.Count("managed_identity") != 1 {
		t.Errorf("managed identity requests = %d", em.Count("managed_identity"))
	}
}

// TestAsLoginMicrosoftOnline reaches the emulator under the public cloud's host name, as a test HTTPS proxy
// would present it: MSAL runs with its default authority and instance discovery, and tokens carry that
// host in iss.
func TestAsLoginMicrosoftOnline(t *testing.T) {
	em := newEmulator(t, entraemu.Options{ExtraDNSNames: []string{"login.microsoftonline.com"}})
	addr := strings.TrimSuffix(strings.TrimPrefix(em.URL(), "https://"), "/")
	client := em.CA().HTTPClient()
	transport := client.Transport.(*http.Transport)
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		if strings.HasPrefix(a, "login.microsoftonline.com:") {
			a = addr
		}
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}
	cred, err := confidential.NewCredFromSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New("https://login.microsoftonline.com/"+entraemu.DefaultTenantID, spnClientID, cred, confidential.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByCredential(ctx(t), serverScope)
	if err != nil {
		t.Fatal(err)
	}
	if iss := claims(t, res.AccessToken)["iss"]; iss != "https://login.microsoftonline.com/"+entraemu.DefaultTenantID+"/v2.0" {
		t.Errorf("iss = %v", iss)
	}
}
