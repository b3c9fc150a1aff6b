package entraemu_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

const tokenV2 = entraemu.DefaultTenantID + "/oauth2/v2.0/token"
const tokenV1 = entraemu.DefaultTenantID + "/oauth2/token"

func TestErrorFormat(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	status, body := postForm(t, em, tokenV2, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {"wrong"},
		"scope": {entraemu.AKSServerID + "/.default"},
	})
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("status %d body %v", status, body)
	}
	desc, _ := body["error_description"].(string)
	if !strings.HasPrefix(desc, "AADSTS7000215: Invalid client secret provided.") || !strings.Contains(desc, "Trace ID: ") {
		t.Errorf("error_description = %q", desc)
	}
	codes, _ := body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(7000215) {
		t.Errorf("error_codes = %v", body["error_codes"])
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id", "error_uri"} {
		if s, _ := body[k].(string); s == "" {
			t.Errorf("%s missing", k)
		}
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	cc := func(scope string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {testSecret}, "scope": {scope}}
	}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		error  string
		code   float64
	}{
		{"unknown resource", tokenV2, cc("0b9e0c5e-0000-4000-8000-00000000dead/.default"), 400, "invalid_resource", 500011},
		{"two resources", tokenV2, cc(entraemu.AKSServerID + "/.default https://management.core.windows.net//.default"), 400, "invalid_scope", 28000},
		{"app scope without .default", tokenV2, cc(entraemu.AKSServerID + "/user.read"), 400, "invalid_scope", 1002012},
		{"missing grant", tokenV2, url.Values{"client_id": {spnClientID}}, 400, "invalid_request", 900144},
		{"unsupported grant", tokenV2, url.Values{"grant_type": {"magic"}}, 400, "unsupported_grant_type", 70003},
		{"unknown tenant", "contoso.example/oauth2/v2.0/token", cc(entraemu.AKSServerID + "/.default"), 400, "invalid_request", 90002},
		{"public client with client credentials", tokenV2, url.Values{"grant_type": {"client_credentials"}, "client_id": {entraemu.AKSClientID}, "scope": {entraemu.AKSServerID + "/.default"}}, 401, "invalid_client", 7000218},
		{"garbage refresh token", tokenV2, url.Values{"grant_type": {"refresh_token"}, "client_id": {entraemu.AKSClientID}, "refresh_token": {"garbage"}, "scope": {entraemu.AKSServerID + "/.default"}}, 400, "invalid_grant", 9002313},
		{"unknown device code", tokenV2, url.Values{"grant_type": {"device_code"}, "client_id": {entraemu.AKSClientID}, "device_code": {"garbage"}}, 400, "bad_verification_code", 70019},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postForm(t, em, tc.path, tc.form)
			codes, _ := body["error_codes"].([]any)
			if status != tc.status || body["error"] != tc.error || len(codes) != 1 || codes[0] != tc.code {
				t.Fatalf("got %d %v %v, want %d %s %v", status, body["error"], body["error_codes"], tc.status, tc.error, tc.code)
			}
		})
	}
}

// deviceLogin runs the raw device code protocol on the v2 or v1 endpoint and returns the token response.
func deviceLogin(t *testing.T, em *entraemu.Emulator, v1 bool) map[string]any {
	t.Helper()
	form := url.Values{"client_id": {entraemu.AKSClientID}}
	path, grant, codeParam := entraemu.DefaultTenantID+"/oauth2/v2.0/devicecode", "urn:ietf:params:oauth:grant-type:device_code", "device_code"
	if v1 {
		form.Set("resource", entraemu.AKSServerID)
		path, grant, codeParam = entraemu.DefaultTenantID+"/oauth2/devicecode", "device_code", "code"
	} else {
		form.Set("scope", entraemu.AKSServerID+"/.default openid profile offline_access")
	}
	status, dc := postForm(t, em, path, form)
	if status != http.StatusOK {
		t.Fatalf("devicecode: %d %v", status, dc)
	}
	if v1 && (dc["verification_url"] == nil || dc["expires_in"] != "900" || dc["interval"] != "1") {
		t.Errorf("v1 device code response %v", dc)
	}
	if !v1 && (dc["verification_uri"] == nil || dc["expires_in"] != float64(900) || dc["interval"] != float64(1)) {
		t.Errorf("v2 device code response %v", dc)
	}
	poll := url.Values{"grant_type": {grant}, "client_id": {entraemu.AKSClientID}, codeParam: {dc["device_code"].(string)}}
	for k, v := range form {
		poll[k] = v
	}
	status, body := postForm(t, em, strings.Replace(path, "devicecode", "token", 1), poll)
	if status != http.StatusBadRequest || body["error"] != "authorization_pending" {
		t.Fatalf("before approval: %d %v", status, body)
	}
	if err := em.ApproveDeviceCode(dc["user_code"].(string)); err != nil {
		t.Fatal(err)
	}
	status, body = postForm(t, em, strings.Replace(path, "devicecode", "token", 1), poll)
	if status != http.StatusOK {
		t.Fatalf("after approval: %d %v", status, body)
	}
	if status, again := postForm(t, em, strings.Replace(path, "devicecode", "token", 1), poll); status != http.StatusBadRequest {
		t.Errorf("device code redeemed twice: %v", again)
	}
	return body
}

func TestV1LegacyEndpoints(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	body := deviceLogin(t, em, true)
	c := claims(t, body["access_token"].(string))
	want := map[string]any{
		"aud": "spn:" + entraemu.AKSServerID, "iss": "https://sts.windows.net/" + entraemu.DefaultTenantID + "/",
		"ver": "1.0", "appid": entraemu.AKSClientID, "upn": entraemu.DefaultUserUPN, "unique_name": entraemu.DefaultUserUPN,
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	for _, k := range []string{"expires_in", "expires_on", "not_before"} {
		if _, ok := body[k].(string); !ok {
			t.Errorf("v1 %s = %#v, want a string", k, body[k])
		}
	}
	if body["resource"] != entraemu.AKSServerID || body["refresh_token"] == nil || body["id_token"] == nil {
		t.Errorf("v1 response %v", body)
	}

	status, refreshed := postForm(t, em, tokenV1, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {entraemu.AKSClientID}, "refresh_token": {body["refresh_token"].(string)},
		"resource": {"spn:" + entraemu.AKSServerID},
	})
	if status != http.StatusOK || refreshed["refresh_token"] == body["refresh_token"] {
		t.Fatalf("v1 refresh: %d %v", status, refreshed)
	}
	if aud := claims(t, refreshed["access_token"].(string))["aud"]; aud != "spn:"+entraemu.AKSServerID {
		t.Errorf("explicit spn: resource gave aud %v", aud)
	}

	status, app := postForm(t, em, tokenV1, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {testSecret},
		"resource": {"https://management.core.windows.net/"},
	})
	if status != http.StatusOK {
		t.Fatalf("v1 client credentials: %d %v", status, app)
	}
	if aud := claims(t, app["access_token"].(string))["aud"]; aud != "https://management.core.windows.net/" {
		t.Errorf("URI resource gave aud %v", aud)
	}
}

func TestRefreshTokenLifecycle(t *testing.T) {
	em := newEmulator(t, entraemu.Options{RefreshTokenLifetime: time.Hour})
	body := deviceLogin(t, em, false)
	if body["client_info"] != nil {
		t.Error("client_info sent although not requested")
	}
	refresh := func(rt string) (int, map[string]any) {
		return postForm(t, em, tokenV2, url.Values{
			"grant_type": {"refresh_token"}, "client_id": {entraemu.AKSClientID}, "refresh_token": {rt},
			"scope": {entraemu.AKSServerID + "/.default openid offline_access"},
		})
	}
	status, next := refresh(body["refresh_token"].(string))
	if status != http.StatusOK || next["refresh_token"] == body["refresh_token"] || next["id_token"] == nil {
		t.Fatalf("refresh: %d %v", status, next)
	}

	em.AdvanceClock(2 * time.Hour)
	status, expired := refresh(next["refresh_token"].(string))
	if status != http.StatusBadRequest || expired["error"] != "invalid_grant" || !strings.HasPrefix(expired["error_description"].(string), "AADSTS700082:") {
		t.Fatalf("expired refresh token: %d %v", status, expired)
	}
}

func TestConditionalAccessOnRefresh(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	body := deviceLogin(t, em, false) // signed in before the policy existed: no MFA in the session
	if err := em.SetRequireMFA(entraemu.AKSClientID, true); err != nil {
		t.Fatal(err)
	}
	status, resp := postForm(t, em, tokenV2, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {entraemu.AKSClientID}, "refresh_token": {body["refresh_token"].(string)},
		"scope": {entraemu.AKSServerID + "/.default"},
	})
	if status != http.StatusBadRequest || resp["suberror"] != "basic_action" || resp["claims"] == nil ||
		!strings.HasPrefix(resp["error_description"].(string), "AADSTS50076:") {
		t.Fatalf("refresh under new MFA policy: %d %v", status, resp)
	}
	// Signing in again (interactively) satisfies the policy; that session refreshes fine.
	body = deviceLogin(t, em, false)
	if status, resp := postForm(t, em, tokenV2, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {entraemu.AKSClientID}, "refresh_token": {body["refresh_token"].(string)},
		"scope": {entraemu.AKSServerID + "/.default"},
	}); status != http.StatusOK {
		t.Fatalf("refresh of an MFA session: %d %v", status, resp)
	}
}

func TestPKCEVerification(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AutoLogin: true})
	verifier := "a-verifier-that-is-long-enough-to-be-realistic-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {entraemu.AKSClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8400"},
		"scope": {entraemu.AKSServerID + "/.default openid offline_access"}, "state": {"st"}, "nonce": {"n0nce"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	client := em.CA().HTTPClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	authorize := func() url.Values {
		resp, err := client.Get(em.URL() + entraemu.DefaultTenantID + "/oauth2/v2.0/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil {
			t.Fatalf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
		return loc.Query()
	}
	redeem := func(code, verifier string) (int, map[string]any) {
		return postForm(t, em, tokenV2, url.Values{
			"grant_type": {"authorization_code"}, "client_id": {entraemu.AKSClientID}, "code": {code},
			"redirect_uri": {"http://localhost:8400"}, "code_verifier": {verifier}, "scope": {q.Get("scope")},
		})
	}

	got := authorize()
	if got.Get("state") != "st" {
		t.Errorf("state = %q", got.Get("state"))
	}
	if status, body := redeem(got.Get("code"), "not-the-verifier"); status != 400 || !strings.HasPrefix(body["error_description"].(string), "AADSTS501481:") {
		t.Fatalf("wrong verifier: %d %v", status, body)
	}
	got = authorize()
	status, body := redeem(got.Get("code"), verifier)
	if status != http.StatusOK {
		t.Fatalf("redeem: %d %v", status, body)
	}
	if nonce := claims(t, body["id_token"].(string))["nonce"]; nonce != "n0nce" {
		t.Errorf("id_token nonce = %v", nonce)
	}
	if status, body := redeem(got.Get("code"), verifier); status != 400 || !strings.HasPrefix(body["error_description"].(string), "AADSTS54005:") {
		t.Errorf("second redemption: %d %v", status, body)
	}

	q.Set("redirect_uri", "https://evil.example/callback")
	resp, err := client.Get(em.URL() + entraemu.DefaultTenantID + "/oauth2/v2.0/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("non-loopback redirect URI: %s", resp.Status)
	}
}

func TestPoPTokenRequest(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	cnf := base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"thumbprint-1","xms_ksl":"sw"}`))
	status, body := postForm(t, em, tokenV2, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {testSecret},
		"scope": {entraemu.AKSServerID + "/.default"}, "token_type": {"pop"}, "req_cnf": {cnf},
	})
	if status != http.StatusOK || body["token_type"] != "pop" {
		t.Fatalf("%d %v", status, body)
	}
	if got, _ := claims(t, body["access_token"].(string))["cnf"].(map[string]any); got["kid"] != "thumbprint-1" {
		t.Errorf("cnf = %v", got)
	}
	status, body = postForm(t, em, tokenV2, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {testSecret},
		"scope": {entraemu.AKSServerID + "/.default"}, "token_type": {"pop"}, "req_cnf": {"!!"},
	})
	if status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("bad req_cnf: %d %v", status, body)
	}
}

func TestDiscovery(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	tests := []struct {
		path string
		want map[string]string
	}{
		{entraemu.DefaultTenantID + "/v2.0/.well-known/openid-configuration", map[string]string{
			"issuer":                        em.IssuerV2(entraemu.DefaultTenantID),
			"token_endpoint":                em.URL() + tokenV2,
			"authorization_endpoint":        em.URL() + entraemu.DefaultTenantID + "/oauth2/v2.0/authorize",
			"device_authorization_endpoint": em.URL() + entraemu.DefaultTenantID + "/oauth2/v2.0/devicecode",
			"jwks_uri":                      em.JWKSURL(entraemu.DefaultTenantID),
		}},
		{"organizations/v2.0/.well-known/openid-configuration", map[string]string{"issuer": em.URL() + "{tenantid}/v2.0"}},
		{entraemu.DefaultTenantID + "/.well-known/openid-configuration", map[string]string{
			"issuer": em.IssuerV1(entraemu.DefaultTenantID), "token_endpoint": em.URL() + tokenV1,
		}},
		{"common/discovery/instance?api-version=1.1&authorization_endpoint=" + url.QueryEscape(em.URL()+entraemu.DefaultTenantID+"/oauth2/v2.0/authorize"), map[string]string{
			"tenant_discovery_endpoint": em.URL() + entraemu.DefaultTenantID + "/v2.0/.well-known/openid-configuration",
		}},
		{"common/UserRealm/alice@" + entraemu.DefaultTenantDomain + "?api-version=1.0", map[string]string{"account_type": "Managed"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, body := getJSON(t, em, tc.path)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			for k, v := range tc.want {
				if body[k] != v {
					t.Errorf("%s = %v, want %s", k, body[k], v)
				}
			}
		})
	}
	_, jwks := getJSON(t, em, entraemu.DefaultTenantID+"/discovery/v2.0/keys")
	keys, _ := jwks["keys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("jwks = %v", jwks)
	}
	key := keys[0].(map[string]any)
	token, err := em.SignToken(map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	var h map[string]any
	_ = json.Unmarshal(header, &h)
	if key["kid"] != h["kid"] || key["kty"] != "RSA" || key["e"] != "AQAB" || h["alg"] != "RS256" {
		t.Errorf("jwk %v does not match token header %v", key, h)
	}
}

func TestManagedIdentityIMDS(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	sys := em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "1a2b3c4d-0000-4000-8000-000000000001", SystemAssigned: true})
	user := em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "1a2b3c4d-0000-4000-8000-000000000002"})
	get := func(query string, metadata bool) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, em.URL()+"metadata/identity/oauth2/token?api-version=2018-02-01&"+query, nil)
		if metadata {
			req.Header.Set("Metadata", "true")
		}
		resp, err := em.CA().HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		return resp.StatusCode, decode(t, resp.Body)
	}
	tests := []struct {
		name, query string
		metadata    bool
		status      int
		appID       string
	}{
		{"system assigned", "resource=" + entraemu.AKSServerID, true, 200, sys.ClientID},
		{"user assigned", "resource=" + entraemu.AKSServerID + "&client_id=" + user.ClientID, true, 200, user.ClientID},
		{"no metadata header", "resource=" + entraemu.AKSServerID, false, 400, ""},
		{"unknown identity", "resource=" + entraemu.AKSServerID + "&client_id=1a2b3c4d-0000-4000-8000-0000000000ff", true, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(tc.query, tc.metadata)
			if status != tc.status {
				t.Fatalf("status %d, body %v", status, body)
			}
			if tc.appID == "" {
				return
			}
			c := claims(t, body["access_token"].(string))
			if c["appid"] != tc.appID || c["aud"] != entraemu.AKSServerID || body["client_id"] != tc.appID {
				t.Errorf("claims %v body %v", c, body)
			}
			if _, ok := body["expires_on"].(string); !ok {
				t.Errorf("expires_on = %#v, want a string", body["expires_on"])
			}
		})
	}
}

func TestRequestLogNeverRecordsSecrets(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	em.AddUser(entraemu.User{UPN: "dave@" + entraemu.DefaultTenantDomain, Password: "hunter2-password"})
	body := deviceLogin(t, em, false)
	_, _ = postForm(t, em, tokenV2, url.Values{
		"grant_type": {"password"}, "client_id": {entraemu.AKSClientID}, "username": {"dave@" + entraemu.DefaultTenantDomain},
		"password": {"hunter2-password"}, "scope": {entraemu.AKSServerID + "/.default"},
	})
	_, _ = postForm(t, em, tokenV2, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spnClientID}, "client_secret": {testSecret},
		"scope": {entraemu.AKSServerID + "/.default"},
	})
	log, err := json.Marshal(em.Requests())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-password", testSecret, body["refresh_token"].(string), body["access_token"].(string)} {
		if strings.Contains(string(log), secret) {
			t.Errorf("request log contains a secret")
		}
	}
	if em.Count("password") != 1 || em.Count("client_credentials") != 1 || em.CountPath("/oauth2/v2.0/devicecode") != 1 {
		t.Errorf("counts: %s", log)
	}
	em.ResetRequests()
	if len(em.Requests()) != 0 {
		t.Error("ResetRequests left entries")
	}
}

func TestRemoteControl(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	remote := &entraemu.Remote{URL: em.URL(), HTTPClient: em.CA().HTTPClient()}
	c := ctx(t)

	status, dc := postForm(t, em, entraemu.DefaultTenantID+"/oauth2/v2.0/devicecode", url.Values{
		"client_id": {entraemu.AKSClientID}, "scope": {entraemu.AKSServerID + "/.default offline_access"},
	})
	if status != http.StatusOK {
		t.Fatalf("devicecode: %d", status)
	}
	pending, err := remote.PendingDeviceCodes(c)
	if err != nil || len(pending) != 1 || pending[0].UserCode != dc["user_code"] {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if err := remote.ApproveDeviceCode(c, pending[0].UserCode, ""); err != nil {
		t.Fatal(err)
	}
	if err := remote.DenyDeviceCode(c, pending[0].UserCode); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("deny after approve: %v", err)
	}
	if err := remote.SetTokenLifetimes(c, 90*time.Second, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, tok := postForm(t, em, tokenV2, url.Values{
		"grant_type": {"device_code"}, "client_id": {entraemu.AKSClientID}, "device_code": {dc["device_code"].(string)},
	})
	if tok["expires_in"] != float64(90) {
		t.Errorf("expires_in = %v, want 90", tok["expires_in"])
	}
	if n, err := remote.Count(c, "device_code"); err != nil || n != 1 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if n, err := remote.CountPath(c, "/devicecode"); err != nil || n != 1 {
		t.Errorf("CountPath = %d, %v", n, err)
	}
	if reqs, err := remote.Requests(c); err != nil || len(reqs) != 2 {
		t.Errorf("Requests = %v, %v", reqs, err)
	}
	if counts, err := remote.Counts(c); err != nil || counts.Total != 2 || counts.GrantTypes["device_code"] != 1 ||
		counts.Paths["/"+entraemu.DefaultTenantID+"/oauth2/v2.0/devicecode"] != 1 {
		t.Errorf("Counts = %+v, %v", counts, err)
	}
	if n, err := remote.RevokeRefreshTokens(c); err != nil || n != 1 {
		t.Errorf("RevokeRefreshTokens = %d, %v", n, err)
	}
	before := em.Now()
	if err := remote.AdvanceClock(c, time.Hour); err != nil {
		t.Fatal(err)
	}
	if d := em.Now().Sub(before); d < time.Hour {
		t.Errorf("clock advanced by %v", d)
	}
	if err := remote.SetRequireMFA(c, "no-such-client", true); err == nil {
		t.Error("SetRequireMFA accepted an unknown client")
	}
	if err := remote.ResetRequests(c); err != nil || len(em.Requests()) != 0 {
		t.Errorf("ResetRequests: %v", err)
	}
}
