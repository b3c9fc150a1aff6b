package e2e

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/kubeapi"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// proxiedCluster is a cluster whose Entra ID is reached the way users reach
// it: under the real cloud host names, through an HTTPS proxy with a private
// CA (the emulator's intercepting proxy).
type proxiedCluster struct {
	*cluster
	proxy *entraemu.Proxy
	// refusable is a host:port the test itself sends to the proxy to be refused.
	refusable string
}

// newProxiedCluster starts an emulator, its proxy and an API server that
// accepts tokens issued under every cloud host name. extraDNSNames are added
// to the emulator's own (loopback) certificate.
func newProxiedCluster(t *testing.T, extraDNSNames ...string) *proxiedCluster {
	t.Helper()
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	em, err := entraemu.New(entraemu.Options{CA: ca, ExtraDNSNames: extraDNSNames})
	if err != nil {
		t.Fatal(err)
	}
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	proxy, err := em.StartProxy(entraemu.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Name: "Azure Kubernetes Service AAD Client", Public: true})
	spn := em.AddClient(entraemu.Client{ID: "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f", Name: "ci-deployer", Secret: "e2e-spn-secret-value"})
	issuers := []string{em.IssuerV2(entraemu.DefaultTenantID), em.IssuerV1(entraemu.DefaultTenantID)}
	for _, host := range entraemu.CloudHosts {
		issuers = append(issuers, "https://"+host+"/"+entraemu.DefaultTenantID+"/v2.0")
	}
	api, err := kubeapi.New(kubeapi.Config{CA: ca, Issuers: issuers, Audiences: []string{entraemu.AKSServerID},
		JWKSURL: em.JWKSURL(entraemu.DefaultTenantID), Now: em.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := ca.WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	c := &proxiedCluster{cluster: &cluster{em: em, api: api, ca: ca, caFile: caFile, spn: spn, dir: dir}, proxy: proxy}
	t.Cleanup(func() { c.guard(t) })
	return c
}

// guard runs after every default-path test: managed identity traffic all
// came through the proxy (nothing dialled 169.254.169.254 itself), and no
// process tried a host the proxy does not emulate.
func (c *proxiedCluster) guard(t *testing.T) {
	if mi, viaProxy := c.em.Count("managed_identity"), c.proxy.IMDSRequests(); mi != viaProxy {
		t.Errorf("%d managed identity requests reached the emulator but %d came through the proxy", mi, viaProxy)
	}
	for _, r := range c.proxy.Requests() {
		if r.Refused && !c.allowRefused(r.Host) {
			t.Errorf("a process tried %s %s through the proxy, which is not emulated", r.Method, r.Host)
		}
	}
}

// allowRefused: the Azure CLI checks for new versions on these hosts; the
// refusal is harmless to it.
func (c *proxiedCluster) allowRefused(host string) bool {
	h, _, _ := strings.Cut(host, ":")
	return host == c.refusable || h == "azure.microsoft.com" || h == "raw.githubusercontent.com" || h == "aka.ms"
}

// env is a user's shell behind a corporate proxy: HTTPS_PROXY and
// HTTP_PROXY, the private CA in SSL_CERT_FILE (Go) and REQUESTS_CA_BUNDLE
// (Python, the Azure CLI). It refuses to hand out an environment in which
// a request for IMDS could bypass the proxy.
func (c *proxiedCluster) env(t *testing.T, kubeconfig string, extra ...string) []string {
	t.Helper()
	env := append(baseEnv(t), "KUBECONFIG="+kubeconfig, "SSL_CERT_FILE="+c.caFile, "REQUESTS_CA_BUNDLE="+c.caFile,
		"HTTPS_PROXY="+c.proxy.URL(), "HTTP_PROXY="+c.proxy.URL())
	env = append(env, extra...)
	requireIMDSProxied(t, env, c.proxy.URL())
	return env
}

// requireIMDSProxied fails the test when a process with env could dial the
// link-local IMDS address itself: plain-HTTP requests must go to the proxy.
func requireIMDSProxied(t *testing.T, env []string, proxyURL string) {
	t.Helper()
	if envValue(env, "HTTP_PROXY") != proxyURL || envValue(env, "http_proxy") != "" {
		t.Fatalf("HTTP_PROXY is not the test proxy: a managed identity request would dial %s", entraemu.IMDSHost)
	}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		for _, h := range strings.Split(envValue(env, k), ",") {
			if h = strings.TrimSpace(h); h == "*" || strings.HasPrefix(h, "169.254.") {
				t.Fatalf("%s=%s would send managed identity requests to %s directly", k, envValue(env, k), entraemu.IMDSHost)
			}
		}
	}
}

// aksKubeconfig writes the kubeconfig `az aks get-credentials` writes for a
// managed Entra ID cluster and, unless mode is devicecode, converts it with
// `kubelogin convert-kubeconfig -l mode convertArgs...` as users do. Either
// way it holds no --authority-host and keeps instance discovery on.
func (c *proxiedCluster) aksKubeconfig(t *testing.T, mode string, convertArgs ...string) string {
	t.Helper()
	kc := c.kubeconfig(t, execUser{interactiveMode: "IfAvailable", args: []string{"get-token", "--environment", "AzurePublicCloud",
		"--server-id", entraemu.AKSServerID, "--client-id", entraemu.AKSClientID, "--tenant-id", entraemu.DefaultTenantID, "--login", "devicecode"}})
	if mode != "devicecode" {
		r := run(t, baseEnv(t), "kubelogin", append([]string{"convert-kubeconfig", "--kubeconfig", kc, "-l", mode}, convertArgs...)...)
		if r.code != 0 {
			t.Fatalf("convert-kubeconfig -l %s: exit %d: %s", mode, r.code, r.stderr)
		}
	}
	b, err := os.ReadFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	for _, testOnly := range []string{"--authority-host", "--disable-instance-discovery", "SSL_CERT_FILE", "127.0.0.1:" + c.emulatorPort()} {
		if strings.Contains(string(b), testOnly) {
			t.Fatalf("the kubeconfig has %q: not the default path\n%s", testOnly, b)
		}
	}
	return kc
}

func (c *proxiedCluster) emulatorPort() string {
	_, port, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(c.em.URL(), "https://"), "/"))
	return port
}

// requireTunnelled fails unless the proxy tunnelled a connection to host.
func (c *proxiedCluster) requireTunnelled(t *testing.T, host string) {
	t.Helper()
	if !slices.ContainsFunc(c.proxy.Requests(), func(r entraemu.ProxyRequest) bool {
		return r.Method == "CONNECT" && r.Host == host+":443" && !r.Refused
	}) {
		t.Fatalf("nothing reached %s through the proxy: %v", host, c.proxy.Requests())
	}
}

// TestNoProxyBypassesProxy: a host in NO_PROXY is dialled directly, not
// through HTTPS_PROXY. The host is this machine's name, which resolves to a
// loopback address (Go never proxies loopback addresses or "localhost"
// themselves, whatever NO_PROXY says).
func TestNoProxyBypassesProxy(t *testing.T) {
	t.Parallel()
	host := loopbackHostname(t)
	c := newProxiedCluster(t, host)
	authority := "https://" + host + ":" + c.emulatorPort() + "/"
	args := []string{"get-token", "--login", "spn", "--server-id", entraemu.AKSServerID, "--tenant-id", entraemu.DefaultTenantID,
		"--client-id", c.spn.ID, "--authority-host", authority, "--disable-instance-discovery", "--no-cache"}
	env := c.env(t, "/nonexistent", "AZURE_CLIENT_SECRET="+c.spn.Secret)

	target := host + ":" + c.emulatorPort()
	c.refusable = target
	r := run(t, env, "kubelogin", args...)
	if r.code == 0 || !slices.Contains(c.proxy.Requests(), entraemu.ProxyRequest{Method: "CONNECT", Host: target, Refused: true}) {
		t.Fatalf("without NO_PROXY the request did not go to the proxy: exit %d, proxy saw %v\n%s", r.code, c.proxy.Requests(), r.stderr)
	}
	before := len(c.proxy.Requests())
	r = run(t, append(env, "NO_PROXY="+host), "kubelogin", args...)
	if r.code != 0 {
		t.Fatalf("with NO_PROXY=%s: exit %d\n%s", host, r.code, r.stderr)
	}
	tokenOf(t, r.stdout)
	if after := c.proxy.Requests(); len(after) != before {
		t.Fatalf("with NO_PROXY=%s the proxy still saw %v", host, after[before:])
	}
}

// loopbackHostname is a name other than localhost that resolves (through
// /etc/hosts) to loopback only: the machine's own name on this image.
func loopbackHostname(t *testing.T) string {
	t.Helper()
	name, err := os.Hostname()
	if err != nil || name == "" || strings.EqualFold(name, "localhost") {
		t.Skipf("no host name to test NO_PROXY with (hostname %q, %v)", name, err)
	}
	addrs, err := net.LookupHost(name)
	if err != nil || len(addrs) == 0 {
		t.Skipf("host name %s does not resolve (%v): NO_PROXY needs a name that resolves to loopback", name, err)
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
			t.Skipf("host name %s resolves to %s, not loopback: the test stays on loopback", name, a)
		}
	}
	return name
}
