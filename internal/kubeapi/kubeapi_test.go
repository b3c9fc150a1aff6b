package kubeapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/kubeapi"
)

const (
	tenant   = entraemu.DefaultTenantID
	serverID = entraemu.AKSServerID
	spnID    = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
	spnPass  = "kubeapi-test-secret"
	userPass = "kubeapi-test-password"
)

var (
	keysOnce sync.Once
	keys     [3]*rsa.PrivateKey // emulator signing key, PoP key, attacker key
)

func rsaKey(t *testing.T, i int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys[i]
}

type env struct {
	em  *entraemu.Emulator
	api *kubeapi.Server
}

// newEnv starts an emulator and an API server that trusts it, sharing CA and clock.
func newEnv(t *testing.T, audiences ...string) env {
	t.Helper()
	em, err := entraemu.New(entraemu.Options{SigningKey: rsaKey(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	em.AddClient(entraemu.Client{ID: serverID})
	em.AddClient(entraemu.Client{ID: spnID, Secret: spnPass})
	em.AddUser(entraemu.User{UPN: entraemu.DefaultUserUPN, Password: userPass, Groups: []string{"aks-admins"}})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Public: true})
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	if len(audiences) == 0 {
		audiences = []string{serverID}
	}
	api, err := kubeapi.New(kubeapi.Config{
		CA:        em.CA(),
		Issuers:   []string{em.IssuerV2(tenant), em.IssuerV1(tenant)},
		Audiences: audiences,
		JWKSURL:   em.JWKSURL(tenant),
		Now:       em.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return env{em: em, api: api}
}

// token gets a real token from the emulator's token endpoint.
func (e env) token(t *testing.T, path string, form url.Values) string {
	t.Helper()
	resp, err := e.em.CA().HTTPClient().PostForm(e.em.URL()+tenant+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token request: %s %v %v", resp.Status, err, body["error_description"])
	}
	return body["access_token"].(string)
}

func (e env) userToken(t *testing.T) string {
	t.Helper()
	return e.token(t, "/oauth2/v2.0/token", url.Values{
		"grant_type": {"password"}, "client_id": {entraemu.AKSClientID}, "username": {entraemu.DefaultUserUPN},
		"password": {userPass}, "scope": {serverID + "/.default"},
	})
}

// do calls the API server with an Authorization header ("" for none) and returns status and JSON body.
func (e env) do(t *testing.T, method, path, auth string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.api.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := e.api.CA().HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return resp.StatusCode, body
}

func baseClaims(e env) map[string]any {
	now := e.em.Now()
	return map[string]any{
		"aud": serverID, "iss": e.em.IssuerV2(tenant), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "tid": tenant, "oid": "0f0e0d0c-0000-4000-8000-000000000001",
		"upn": "someone@" + entraemu.DefaultTenantDomain, "ver": "2.0",
	}
}

func with(c map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range c {
		out[key] = val
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestBearerTokenValidation(t *testing.T) {
	e := newEnv(t)
	base := baseClaims(e)
	now := e.em.Now()
	sign := func(c map[string]any) string {
		tok, err := e.em.SignToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	forged := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(base))
		real, _, _ := jwt.NewParser().ParseUnverified(sign(base), jwt.MapClaims{})
		tok.Header["kid"] = real.Header["kid"] // the right kid, the wrong key
		s, err := tok.SignedString(rsaKey(t, 2))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name, auth, reason string // reason: why a 401 is expected, as logged by the server
	}{
		{"valid crafted token", "Bearer " + sign(base), ""},
		{"valid v1 issuer", "Bearer " + sign(with(base, "iss", e.em.IssuerV1(tenant))), ""},
		{"client credentials token", "Bearer " + e.token(t, "/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {spnID}, "client_secret": {spnPass}, "scope": {serverID + "/.default"}}), ""},
		{"user token", "Bearer " + e.userToken(t), ""},
		{"no token", "", "no bearer token"},
		{"basic auth", "Basic dXNlcjpwYXNz", "no bearer token"},
		{"garbage", "Bearer not-a-jwt", "malformed"},
		{"wrong audience", "Bearer " + sign(with(base, "aud", "https://management.core.windows.net/")), "audience"},
		{"legacy spn audience not accepted by default", "Bearer " + sign(with(base, "aud", "spn:"+serverID)), "audience"},
		{"expired", "Bearer " + sign(with(base, "exp", now.Add(-time.Minute).Unix())), "expired"},
		{"no expiry", "Bearer " + sign(with(base, "exp", nil)), "exp claim is required"},
		{"not yet valid", "Bearer " + sign(with(base, "nbf", now.Add(time.Hour).Unix())), "not valid yet"},
		{"wrong issuer", "Bearer " + sign(with(base, "iss", "https://login.microsoftonline.com/"+tenant+"/v2.0")), "issuer"},
		{"bad signature", "Bearer " + forged(), "signature is invalid"},
		{"PoP-bound token as bearer", "Bearer " + sign(with(base, "cnf", map[string]any{"kid": "abc"})), "PoP-bound"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do(t, http.MethodGet, "/api/v1/nodes", tc.auth)
			if tc.reason == "" {
				if status != 200 || body["kind"] != "NodeList" {
					t.Fatalf("status = %d, body %v", status, body)
				}
				return
			}
			if status != 401 || body["kind"] != "Status" || body["reason"] != "Unauthorized" || body["code"] != float64(401) || body["message"] != "Unauthorized" {
				t.Fatalf("status = %d, body %v", status, body)
			}
			if got := lastError(e); !strings.Contains(got, tc.reason) {
				t.Errorf("rejected because %q, want %q", got, tc.reason)
			}
		})
	}
	if got, want := e.api.Authorized(), 4; got != want {
		t.Errorf("Authorized() = %d, want %d", got, want)
	}
	if got, want := e.api.Unauthorized(), len(tests)-4; got != want {
		t.Errorf("Unauthorized() = %d, want %d", got, want)
	}
	for _, r := range e.api.Requests() {
		if strings.Contains(r.Error, "eyJ") {
			t.Errorf("request log contains a token: %q", r.Error)
		}
	}
}

func lastError(e env) string {
	reqs := e.api.Requests()
	return reqs[len(reqs)-1].Error
}

func TestLegacyAudience(t *testing.T) {
	e := newEnv(t, "spn:"+serverID)
	tok := e.token(t, "/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnID}, "client_secret": {spnPass}, "resource": {serverID},
	})
	if status, body := e.do(t, http.MethodGet, "/api/v1/nodes", "Bearer "+tok); status != 200 {
		t.Fatalf("legacy v1 token: %d %v", status, body)
	}
}

func TestWhoAmI(t *testing.T) {
	e := newEnv(t)
	status, body := e.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "Bearer "+e.userToken(t))
	if status != http.StatusCreated {
		t.Fatalf("status %d %v", status, body)
	}
	info := body["status"].(map[string]any)["userInfo"].(map[string]any)
	if info["username"] != entraemu.DefaultUserUPN {
		t.Errorf("username = %v", info["username"])
	}
	if groups := fmt.Sprint(info["groups"]); groups != "[aks-admins system:authenticated]" {
		t.Errorf("groups = %s", groups)
	}
	reqs := e.api.Requests()
	if last := reqs[len(reqs)-1]; last.User != entraemu.DefaultUserUPN || last.Scheme != "Bearer" {
		t.Errorf("request log = %+v", last)
	}
}

func TestDiscoveryAndNodes(t *testing.T) {
	e := newEnv(t)
	auth := "Bearer " + e.userToken(t)
	for path, kind := range map[string]string{
		"/api": "APIVersions", "/apis": "APIGroupList", "/api/v1": "APIResourceList",
		"/apis/authentication.k8s.io/v1": "APIResourceList", "/api/v1/nodes/aks-nodepool1-12345678-vmss000001": "Node",
	} {
		if status, body := e.do(t, http.MethodGet, path, auth); status != 200 || body["kind"] != kind {
			t.Errorf("%s: %d kind %v, want %s", path, status, body["kind"], kind)
		}
	}
	if status, body := e.do(t, http.MethodGet, "/version", auth); status != 200 || body["gitVersion"] == nil {
		t.Errorf("/version: %d %v", status, body)
	}
	if status, body := e.do(t, http.MethodGet, "/api/v1/pods", auth); status != 404 || body["reason"] != "NotFound" {
		t.Errorf("/api/v1/pods: %d %v", status, body)
	}
}

// popToken builds the signed HTTP request (SHR) PoP token Azure/kubelogin sends: an outer JWT signed by the
// client's key, carrying the access token and the key's JWK.
func popToken(t *testing.T, signer *rsa.PrivateKey, jwkKey *rsa.PublicKey, at string, ts time.Time) string {
	t.Helper()
	jwk := map[string]any{"kty": "RSA", "e": b64(big.NewInt(int64(jwkKey.E)).Bytes()), "n": b64(jwkKey.N.Bytes()), "alg": "RS256", "kid": thumbprint(jwkKey)}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"at": at, "ts": ts.Unix(), "u": "my-cluster.hcp.eastus.azmk8s.io", "cnf": map[string]any{"jwk": jwk}, "nonce": "0123456789abcdef",
	})
	tok.Header["typ"] = "pop"
	tok.Header["kid"] = thumbprint(jwkKey)
	s, err := tok.SignedString(signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func thumbprint(k *rsa.PublicKey) string {
	canonical := fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, b64(big.NewInt(int64(k.E)).Bytes()), b64(k.N.Bytes()))
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

func TestPoPTokens(t *testing.T) {
	e := newEnv(t)
	popKey, attacker := rsaKey(t, 1), rsaKey(t, 2)
	reqCnf := b64([]byte(`{"kid":"` + thumbprint(&popKey.PublicKey) + `","xms_ksl":"sw"}`))
	at := e.token(t, "/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnID}, "client_secret": {spnPass},
		"scope": {serverID + "/.default"}, "token_type": {"pop"}, "req_cnf": {reqCnf},
	})
	now := e.em.Now()
	tests := []struct {
		name, token, reason string
	}{
		{"valid", popToken(t, popKey, &popKey.PublicKey, at, now), ""},
		{"another key presenting the token", popToken(t, attacker, &attacker.PublicKey, at, now), "not bound"},
		{"signature does not match the jwk", popToken(t, attacker, &popKey.PublicKey, at, now), "outer signature"},
		{"stale ts", popToken(t, popKey, &popKey.PublicKey, at, now.Add(-time.Hour)), "not recent"},
		{"bearer token wrapped as PoP", popToken(t, popKey, &popKey.PublicKey, e.userToken(t), now), "not bound"},
		{"inner token not valid", popToken(t, popKey, &popKey.PublicKey, "not-a-token", now), "inner token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do(t, http.MethodPost, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "Bearer "+tc.token)
			if tc.reason == "" {
				if status != http.StatusCreated {
					t.Fatalf("status = %d, body %v", status, body)
				}
				return
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401 (%v)", status, body)
			}
			if got := lastError(e); !strings.Contains(got, tc.reason) {
				t.Errorf("rejected because %q, want %q", got, tc.reason)
			}
		})
	}
	reqs := e.api.Requests()
	if reqs[0].Scheme != "PoP" {
		t.Errorf("scheme = %q, want PoP", reqs[0].Scheme)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]kubeapi.Config{
		"no issuers":   {Audiences: []string{"a"}, JWKSURL: "https://x"},
		"no audiences": {Issuers: []string{"i"}, JWKSURL: "https://x"},
		"no JWKS":      {Issuers: []string{"i"}, Audiences: []string{"a"}},
	} {
		if _, err := kubeapi.New(cfg); err == nil {
			t.Errorf("%s: New accepted an incomplete config", name)
		}
	}
}
