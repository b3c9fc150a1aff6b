package spn

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	secret   = "correct-horse-battery-staple"
	resource = entraemu.AKSServerID
	appID    = "3c9e1a7f-5b2d-4f8e-a640-7d1c2e3f4a5b"
	tenant   = entraemu.DefaultTenantID
)

// newEmulator starts an emulator where app is registered as appID.
func newEmulator(t *testing.T, app entraemu.Client) *entraemu.Emulator {
	app.ID = appID
	return emutest.Start(t, entraemu.Options{}, func(em *entraemu.Emulator) { em.AddClient(app) })
}

func request(authorityHost string) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "spn",
		TenantID:                 tenant,
		ClientID:                 appID,
		Scopes:                   []string{resource + "/.default"},
		Resource:                 resource,
		AuthorityHost:            authorityHost,
		DisableInstanceDiscovery: true,
	}
}

func getToken(t *testing.T, client *http.Client, req *sdk.Request) (*sdk.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return provider{httpClient: client, retry: noRetries}.GetToken(ctx, req, nil)
}

// last is the newest request in the emulator's log.
func last(em *entraemu.Emulator) entraemu.Request {
	reqs := em.Requests()
	return reqs[len(reqs)-1]
}

func TestSecret(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	req := request(em.URL())
	req.Credentials.ClientSecret = secret
	tok, err := getToken(t, emutest.HTTPClient(em), req)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token = %v", tok)
	}
	want := []string{"/" + tenant + "/v2.0/.well-known/openid-configuration", "/" + tenant + "/oauth2/v2.0/token client_credentials"}
	if got := emutest.Calls(em); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if got := strings.Fields(em.Requests()[1].Scope); !slices.Contains(got, resource+"/.default") {
		t.Errorf("scope = %q", got)
	}
}

func TestWrongSecret(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: "the-real-one"})
	req := request(em.URL())
	req.Credentials.ClientSecret = secret
	_, err := getToken(t, emutest.HTTPClient(em), req)
	e, ok := err.(*sdk.Error)
	if !ok {
		t.Fatalf("err = %T %v, want *sdk.Error", err, err)
	}
	if e.Code != sdk.CodeInvalidClient || e.Message != "AADSTS7000215: Invalid client secret provided." || !slices.Equal(e.AADSTS, []int64{7000215}) {
		t.Errorf("err = %v %q %v", e.Code, e.Message, e.AADSTS)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", e, e, e), secret) {
		t.Error("the secret appears in the error")
	}
}

func TestUnknownTenant(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	req := request(em.URL())
	req.TenantID = "unknown-tenant"
	req.Credentials.ClientSecret = secret
	_, err := getToken(t, emutest.HTTPClient(em), req)
	if e, ok := err.(*sdk.Error); !ok || e.Code != sdk.CodeInvalidRequest || !slices.Equal(e.AADSTS, []int64{90002}) {
		t.Errorf("err = %#v", err)
	}
}

func TestCertificate(t *testing.T) {
	cert, key := newCertificate(t, "spn", false)
	other, _ := newCertificate(t, "unrelated", false)
	dir := t.TempDir()
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	pfx, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{other}, "pfx-password")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"pkcs8.pem": pemBlocks(t, "CERTIFICATE", cert.Raw, "PRIVATE KEY", pkcs8),
		"pkcs1.pem": pemBlocks(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey)), "CERTIFICATE", cert.Raw),
		// The matching certificate is not the first one in the file.
		"chain.crt": pemBlocks(t, "CERTIFICATE", other.Raw, "CERTIFICATE", cert.Raw, "PRIVATE KEY", pkcs8),
		"cert.pfx":  pfx,
	}
	em := newEmulator(t, entraemu.Client{Certificate: cert})
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"bearer", "pop", "legacy"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				req := request(em.URL())
				// The certificate wins over a secret, which would be rejected.
				req.Credentials = sdk.Credentials{ClientSecret: "ignored-secret", ClientCertificatePath: path, ClientCertificatePassword: "pfx-password"}
				switch mode {
				case "pop":
					req.PoP = &sdk.PoPRequest{ReqCnf: "eyJraWQiOiJ0aHVtYiJ9"}
				case "legacy":
					req.Legacy = true
				}
				if _, err := getToken(t, emutest.HTTPClient(em), req); err != nil {
					t.Fatal(err)
				}
				hdr := last(em).AssertionHeader
				thumb := sha1.Sum(cert.Raw)
				if mode == "legacy" {
					if hdr["x5t"] != base64.RawURLEncoding.EncodeToString(thumb[:]) {
						t.Errorf("legacy assertion header = %v", hdr)
					}
					return
				}
				x5c, _ := hdr["x5c"].([]any)
				if len(x5c) != 1 || x5c[0] != base64.StdEncoding.EncodeToString(cert.Raw) {
					t.Errorf("x5c = %v, want just the matching certificate", hdr["x5c"])
				}
			})
		}
	}
}

func TestCertificateErrors(t *testing.T) {
	cert, key := newCertificate(t, "spn", false)
	ecCert, ecKey := newCertificate(t, "ec", true)
	other, _ := newCertificate(t, "other", false)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	ec8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	pfx, _ := pkcs12.Modern.Encode(key, cert, nil, "pfx-password")
	tests := []struct {
		name, file, password, want string
		data                       []byte
	}{
		{"ec key", "ec.pem", "", "ECDSA", pemBlocks(t, "CERTIFICATE", ecCert.Raw, "PRIVATE KEY", ec8)},
		{"key matches no certificate", "k.pem", "", "matches its private key", pemBlocks(t, "CERTIFICATE", other.Raw, "PRIVATE KEY", pkcs8)},
		{"no key", "c.pem", "", "no private key", pemBlocks(t, "CERTIFICATE", cert.Raw)},
		{"no certificate", "n.pem", "", "no CERTIFICATE", pemBlocks(t, "PRIVATE KEY", pkcs8)},
		{"encrypted key", "e.pem", "", "encrypted", pemBlocks(t, "CERTIFICATE", cert.Raw, "ENCRYPTED PRIVATE KEY", []byte{1})},
		{"wrong pfx password", "p.pfx", "not-the-password", "--client-certificate-password", pfx},
		{"missing file", "", "", "cannot read", nil},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.pem")
			if tt.data != nil {
				path = filepath.Join(dir, tt.file)
				if err := os.WriteFile(path, tt.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			em := newEmulator(t, entraemu.Client{Certificate: cert})
			req := request(em.URL())
			req.Credentials = sdk.Credentials{ClientCertificatePath: path, ClientCertificatePassword: tt.password}
			_, err := getToken(t, emutest.HTTPClient(em), req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v (%v), want invalid request naming %s and saying %q", err, sdk.CodeOf(err), path, tt.want)
			}
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Error("the certificate password appears in the error")
			}
			if len(em.Requests()) != 0 {
				t.Error("called Entra ID with an unusable certificate")
			}
		})
	}
}

func TestMissingSettings(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	tests := []struct {
		name string
		edit func(*sdk.Request)
		want string
	}{
		{"client id", func(r *sdk.Request) { r.ClientID = "" }, "--client-id, AAD_SERVICE_PRINCIPAL_CLIENT_ID or AZURE_CLIENT_ID"},
		{"tenant", func(r *sdk.Request) { r.TenantID = "" }, "--tenant-id or AZURE_TENANT_ID"},
		{"credential", func(r *sdk.Request) { r.Credentials = sdk.Credentials{} }, "set --client-secret, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET, or a certificate with --client-certificate"},
		{"scopes", func(r *sdk.Request) { r.Scopes = nil }, "--server-id"},
		{"resource", func(r *sdk.Request) { r.Legacy, r.Resource = true, "" }, "--server-id"},
		{"pop with legacy", func(r *sdk.Request) { r.Legacy, r.PoP = true, &sdk.PoPRequest{ReqCnf: "x"} }, "--legacy"},
		{"pop without req_cnf", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{} }, "req_cnf"},
		{"authority host", func(r *sdk.Request) { r.AuthorityHost = "http://insecure/" }, "--authority-host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(em.URL())
			req.Credentials.ClientSecret = secret
			tt.edit(req)
			_, err := getToken(t, emutest.HTTPClient(em), req)
			if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (%v), want invalid request mentioning %q", err, sdk.CodeOf(err), tt.want)
			}
		})
	}
	if len(em.Requests()) != 0 {
		t.Errorf("incomplete requests reached Entra ID: %q", emutest.Calls(em))
	}
}

func TestLegacy(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	req := request(em.URL())
	req.Legacy = true
	req.Credentials.ClientSecret = secret
	tok, err := getToken(t, emutest.HTTPClient(em), req)
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token = %v", tok)
	}
	if got := emutest.Calls(em); !slices.Equal(got, []string{"/" + tenant + "/oauth2/token client_credentials"}) {
		t.Errorf("calls = %q", got)
	}
	// The emulator accepts only the registered secret, so a token means it was sent.
	if r := em.Requests()[0]; r.Resource != resource || r.Scope != "" || r.Credential != "secret" {
		t.Errorf("request has resource %q, scope %q, credential %q", r.Resource, r.Scope, r.Credential)
	}

	req.Credentials.ClientSecret = "wrong-secret-value"
	_, err = getToken(t, emutest.HTTPClient(em), req)
	if sdk.CodeOf(err) != sdk.CodeInvalidClient || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("wrong legacy secret: %v (%v)", err, sdk.CodeOf(err))
	}
}

func TestPoP(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	req := request(em.URL())
	req.Credentials.ClientSecret = secret
	req.PoP = &sdk.PoPRequest{ReqCnf: "eyJraWQiOiJ0aHVtYnByaW50IiwieG1zX2tzbCI6InN3In0"}
	tok, err := getToken(t, emutest.HTTPClient(em), req)
	if err != nil {
		t.Fatal(err)
	}
	if r := last(em); r.TokenType != "pop" || r.ReqCnf != req.PoP.ReqCnf {
		t.Errorf("token_type = %q, req_cnf = %q", r.TokenType, r.ReqCnf)
	}
	// The raw access token comes back, bound to the key; the host signs the PoP wrapper.
	if !strings.Contains(string(jwtClaims(t, tok.AccessToken)), `"kid":"thumbprint"`) {
		t.Errorf("token = %v %q", tok, tok.AccessToken)
	}

	req.Credentials.ClientSecret = "wrong-secret-value"
	if _, err := getToken(t, emutest.HTTPClient(em), req); sdk.CodeOf(err) != sdk.CodeInvalidClient {
		t.Errorf("wrong PoP secret: %v (%v)", err, sdk.CodeOf(err))
	}
}

func TestTimeout(t *testing.T) {
	// An Entra ID that accepts requests and never answers. Reading the body
	// first lets net/http notice the client hanging up.
	hang := httptest.NewTLSServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(func() {
		hang.CloseClientConnections()
		hang.Close()
	})
	for _, mode := range []string{"bearer", "pop", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			req := request(hang.URL + "/")
			req.Credentials.ClientSecret = secret
			req.Legacy = mode == "legacy"
			if mode == "pop" {
				req.PoP = &sdk.PoPRequest{ReqCnf: "x"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			began := time.Now()
			_, err := provider{httpClient: hang.Client(), retry: noRetries}.GetToken(ctx, req, nil)
			if sdk.CodeOf(err) != sdk.CodeCancelled || time.Since(began) > 3*time.Second {
				t.Errorf("err = %v (%v) after %v", err, sdk.CodeOf(err), time.Since(began))
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	if err := em.Close(); err != nil { // nothing listens at its address any more
		t.Fatal(err)
	}
	for _, mode := range []string{"bearer", "pop", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			req := request(em.URL())
			req.Credentials.ClientSecret = secret
			req.Legacy = mode == "legacy"
			if mode == "pop" {
				req.PoP = &sdk.PoPRequest{ReqCnf: "x"}
			}
			_, err := getToken(t, emutest.HTTPClient(em), req)
			if sdk.CodeOf(err) != sdk.CodeUnavailable || !strings.Contains(err.Error(), "cannot reach") {
				t.Errorf("err = %v (%v), want unavailable", err, sdk.CodeOf(err))
			}
		})
	}
}

func pemBlocks(t *testing.T, typeAndBytes ...any) []byte {
	t.Helper()
	var out []byte
	for i := 0; i < len(typeAndBytes); i += 2 {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: typeAndBytes[i].(string), Bytes: typeAndBytes[i+1].([]byte)})...)
	}
	return out
}

func newCertificate(t *testing.T, cn string, ec bool) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	cert, key, err := entraemu.NewClientCertificate(cn, ec)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// jwtClaims decodes a token's payload without verifying it.
func jwtClaims(t *testing.T, tok string) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noRetries turns azcore's retries off for in-process calls: these tests
// check the final error, not azcore's back-off, which would add seconds to
// every failing call.
var noRetries = policy.RetryOptions{MaxRetries: -1}
