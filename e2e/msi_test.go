package e2e

import (
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// msiNoEndpoint is the line a user without a managed identity reads.
const msiNoEndpoint = "no managed identity endpoint answered: msi works only on Azure VMs, App Service, Arc or Cloud Shell; use another login mode here"

// msiArgs are the args `convert-kubeconfig -l msi` writes.
func msiArgs(extra ...string) []string {
	return append([]string{"get-token", "--login", "msi", "--server-id", entraemu.AKSServerID}, extra...)
}

// TestMSIKubectl runs kubectl on an "App Service" whose managed identity
// endpoint is the emulator's. kubelogin caches msi tokens (upstream does
// not), one entry per identity, and --client-id in the kubeconfig beats a
// pod's AZURE_CLIENT_ID (Azure/kubelogin#375).
func TestMSIKubectl(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	system := c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "3f1d2c4b-5a69-4e78-8d90-a1b2c3d4e5f6", SystemAssigned: true})
	user := c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
		ResourceID: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer"})
	ambient := c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"})
	trap := newIMDSTrap(t, false)

	systemEnv := c.kubectlEnv(t, c.kubeconfig(t, execUser{args: msiArgs()}),
		"IDENTITY_ENDPOINT="+c.em.ManagedIdentityURL(), "IDENTITY_HEADER="+c.em.IdentityHeader(), "HTTP_PROXY="+trap.url)
	// Same home and cache; the pod's AZURE_CLIENT_ID names another identity.
	userEnv := append(slices.Clone(systemEnv),
		"KUBECONFIG="+c.kubeconfig(t, execUser{args: msiArgs("--client-id", user.ClientID)}),
		"AZURE_CLIENT_ID="+ambient.ClientID)

	steps := []struct {
		name     string
		env      []string
		as       entraemu.ManagedIdentity
		requests int // managed identity requests so far
	}{
		{"system-assigned", systemEnv, system, 1},
		{"system-assigned from the cache", systemEnv, system, 1},
		{"user-assigned by --client-id", userEnv, user, 2},
		{"user-assigned from the cache", userEnv, user, 2},
		{"system-assigned still cached", systemEnv, system, 2},
	}
	for _, s := range steps {
		requireNodes(t, run(t, s.env, kubectl, "get", "nodes"))
		if got := c.em.Count("managed_identity"); got != s.requests {
			t.Fatalf("%s: managed identity requests = %d, want %d", s.name, got, s.requests)
		}
		if got := lastAPIUser(c); got != s.as.ObjectID {
			t.Fatalf("%s: the API server saw %q, want the identity's object id %s", s.name, got, s.as.ObjectID)
		}
	}
	for _, r := range c.em.Requests() {
		if r.GrantType == "managed_identity" && r.ClientID == ambient.ClientID {
			t.Fatal("AZURE_CLIENT_ID overrode --client-id")
		}
	}
	// A kubeconfig converted with --legacy would expect an "spn:" audience.
	if r := run(t, systemEnv, "kubelogin", msiArgs("--legacy")...); r.code == 0 || !strings.Contains(r.stderr, "login mode msi does not support --legacy: remove it") {
		t.Fatalf("get-token --legacy: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(homeCache(systemEnv), "*.json"))
	if len(files) != 2 {
		t.Fatalf("cache entries = %d, want one per identity", len(files))
	}

	expireCachedTokens(t, homeCache(systemEnv))
	requireNodes(t, run(t, systemEnv, kubectl, "get", "nodes"))
	if got := c.em.Count("managed_identity"); got != 3 {
		t.Fatalf("after expiry: managed identity requests = %d, want 3", got)
	}
	if seen := trap.seen(); len(seen) != 0 {
		t.Fatalf("IMDS was called although IDENTITY_ENDPOINT is set: %v", seen)
	}
}

// TestMSINoManagedIdentity: off Azure, azidentity falls back to IMDS at
// 169.254.169.254. HTTP_PROXY sends that to a loopback trap, which either
// drops the connection or never answers (a black-holed link-local address,
// as on most laptops). Either way kubectl gets one clear line well within
// --timeout.
func TestMSINoManagedIdentity(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	for _, tt := range []struct {
		name   string
		silent bool
	}{{"dropped", false}, {"black hole", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, clusterOptions{})
			trap := newIMDSTrap(t, tt.silent)
			// Empty values unset baseEnv's endpoint: azidentity then tries IMDS.
			env := c.kubectlEnv(t, c.kubeconfig(t, execUser{args: msiArgs("--timeout", "5s")}),
				"IDENTITY_ENDPOINT=", "IDENTITY_HEADER=", "HTTP_PROXY="+trap.url)
			// --raw skips discovery: kubectl runs the plugin twice, not six times.
			began := time.Now()
			r := run(t, env, kubectl, "get", "--raw", "/api/v1/nodes")
			took := time.Since(began)
			if r.code == 0 || !strings.Contains(r.stderr, msiNoEndpoint) {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			for _, line := range strings.Split(r.stderr, "\n") {
				if strings.Contains(line, "ManagedIdentityCredential") || strings.Contains(line, "no token within --timeout") {
					t.Errorf("stderr has azidentity's or the timeout's wording instead of one clear line: %q", line)
				}
			}
			if took > 15*time.Second {
				t.Errorf("kubectl took %v to fail", took)
			}
			seen := trap.seen()
			if len(seen) == 0 {
				t.Fatal("nothing tried IMDS")
			}
			for _, host := range seen {
				if host != "169.254.169.254" {
					t.Errorf("a request for %s reached the trap", host)
				}
			}
			if c.em.Counts().Total != 0 {
				t.Errorf("msi called Entra ID: %+v", c.em.Counts())
			}
		})
	}
}

// lastAPIUser is who the API server stand-in authenticated last.
func lastAPIUser(c *cluster) string {
	reqs := c.api.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].User != "" {
			return reqs[i].User
		}
	}
	return ""
}

// imdsTrap is HTTP_PROXY for the tests: what would leave loopback (IMDS at
// 169.254.169.254) arrives here instead. It records the target host and
// then closes the connection, or when silent holds it unanswered.
type imdsTrap struct {
	url   string
	mu    sync.Mutex
	hosts []string
}

func newIMDSTrap(t *testing.T, silent bool) *imdsTrap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	trap := &imdsTrap{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			trap.mu.Lock()
			conns = append(conns, conn)
			trap.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				trap.record(conn)
				if !silent {
					conn.Close()
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		trap.mu.Lock()
		for _, conn := range conns {
			conn.Close()
		}
		trap.mu.Unlock()
		wg.Wait()
	})
	return trap
}

// record reads the proxy request line, "GET http://host/path HTTP/1.1".
func (p *imdsTrap) record(conn net.Conn) {
	buf := make([]byte, 4096)
	n, _ := conn.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return
	}
	host := strings.TrimPrefix(strings.TrimPrefix(fields[1], "http://"), "https://")
	host, _, _ = strings.Cut(host, "/")
	p.mu.Lock()
	p.hosts = append(p.hosts, host)
	p.mu.Unlock()
}

func (p *imdsTrap) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.hosts)
}
