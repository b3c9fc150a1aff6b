package entraemu_test

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

func startProxy(t *testing.T, em *entraemu.Emulator) *entraemu.Proxy {
	t.Helper()
	p, err := em.StartProxy(entraemu.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// proxiedClient sends everything through the proxy (never from the environment, so nothing here can dial
// the link-local IMDS address) and trusts only the emulator's CA.
func proxiedClient(t *testing.T, em *entraemu.Emulator, p *entraemu.Proxy) *http.Client {
	t.Helper()
	u, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy:           http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: em.CA().Pool(), MinVersion: tls.VersionTLS12},
	}}
}

// TestProxyDiscovery: instance discovery and OIDC discovery are answered under each cloud's real host name,
// and the documents name that host, as MSAL and az expect.
func TestProxyDiscovery(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	client := proxiedClient(t, em, startProxy(t, em))
	for _, host := range entraemu.CloudHosts {
		t.Run(host, func(t *testing.T) {
			base := "https://" + host + "/"
			resp, err := client.Get(base + "common/discovery/instance?api-version=1.1&authorization_endpoint=" +
				url.QueryEscape(base+entraemu.DefaultTenantID+"/oauth2/v2.0/authorize"))
			if err != nil {
				t.Fatal(err)
			}
			inst := decode(t, resp.Body)
			_ = resp.Body.Close()
			if want := base + entraemu.DefaultTenantID + "/v2.0/.well-known/openid-configuration"; resp.StatusCode != http.StatusOK || inst["tenant_discovery_endpoint"] != want {
				t.Fatalf("instance discovery: %d %v, want tenant_discovery_endpoint %s", resp.StatusCode, inst, want)
			}
			resp, err = client.Get(base + entraemu.DefaultTenantID + "/v2.0/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			oidc := decode(t, resp.Body)
			_ = resp.Body.Close()
			if oidc["issuer"] != base+entraemu.DefaultTenantID+"/v2.0" || oidc["token_endpoint"] != base+entraemu.DefaultTenantID+"/oauth2/v2.0/token" {
				t.Fatalf("openid-configuration: %v", oidc)
			}
		})
	}
}

// TestProxyMSALDefaultAuthority: MSAL with its default authority and instance discovery on gets a token
// whose issuer is the public cloud's.
func TestProxyMSALDefaultAuthority(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	p := startProxy(t, em)
	cred, err := confidential.NewCredFromSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New("https://login.microsoftonline.com/"+entraemu.DefaultTenantID, spnClientID, cred,
		confidential.WithHTTPClient(proxiedClient(t, em, p)))
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
	if em.CountPath("/common/discovery/instance") == 0 {
		t.Error("MSAL did not run instance discovery")
	}
}

// TestProxyIMDS: plain-HTTP requests for the link-local IMDS address are answered by the emulator and
// recorded, so tests can check managed identity traffic came through the proxy.
func TestProxyIMDS(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	mi := em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "3f1d2c4b-5a69-4e78-8d90-a1b2c3d4e5f6", SystemAssigned: true})
	p := startProxy(t, em)
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, "http://"+entraemu.IMDSHost+"/metadata/identity/oauth2/token?api-version=2018-02-01&resource="+entraemu.AKSServerID, nil)
	req.Header.Set("Metadata", "true")
	resp, err := proxiedClient(t, em, p).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := decode(t, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || body["client_id"] != mi.ClientID {
		t.Fatalf("IMDS: %d %v", resp.StatusCode, body["error_description"])
	}
	if p.IMDSRequests() != 1 || em.Count("managed_identity") != 1 {
		t.Errorf("IMDS requests through the proxy = %d, managed identity requests = %d", p.IMDSRequests(), em.Count("managed_identity"))
	}
}

// TestProxyARM: the Resource Manager stand-in lists the subscription and tenant `az login` needs, only
// with a bearer token.
func TestProxyARM(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	client := proxiedClient(t, em, startProxy(t, em))
	get := func(path, token string) (int, map[string]any) {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, "https://"+entraemu.ARMHost+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		return resp.StatusCode, decode(t, resp.Body)
	}
	if status, _ := get("/subscriptions?api-version=2022-12-01", ""); status != http.StatusUnauthorized {
		t.Errorf("without a token: %d", status)
	}
	for path, want := range map[string]string{
		"/subscriptions?api-version=2022-12-01": `"subscriptionId":"` + entraemu.DefaultSubscriptionID,
		"/tenants?api-version=2022-12-01":       `"tenantId":"` + entraemu.DefaultTenantID,
	} {
		status, body := get(path, "x")
		if status != http.StatusOK || !strings.Contains(jsonString(t, body), want) {
			t.Errorf("%s: %d %v", path, status, body)
		}
	}
}

// TestProxyRefuses: hosts the proxy does not emulate are refused, over CONNECT and plain HTTP, and recorded.
func TestProxyRefuses(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	p := startProxy(t, em)
	client := proxiedClient(t, em, p)
	if _, err := client.Get("https://azure.microsoft.com/"); err == nil {
		t.Error("CONNECT to azure.microsoft.com was tunnelled")
	}
	if _, err := client.Get("https://login.microsoftonline.com:8443/"); err == nil {
		t.Error("CONNECT to a port other than 443 was tunnelled")
	}
	resp, err := client.Get("http://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("plain HTTP to example.com: %s", resp.Status)
	}
	var refused []string
	for _, r := range p.Requests() {
		if r.Refused {
			refused = append(refused, r.Host)
		}
	}
	if strings.Join(refused, " ") != "azure.microsoft.com:443 login.microsoftonline.com:8443 example.com" {
		t.Errorf("refused = %v", refused)
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
