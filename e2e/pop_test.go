package e2e

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// popClusterID is the u claim: the ARM resource id of the cluster.
const popClusterID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-e2e"

// TestKubectlPoP: kubectl with a PoP kubeconfig authenticates with PoP
// tokens the stand-in verifies for real, and, unlike Azure/kubelogin without
// an OS keyring, the second kubectl is served from the cache, yet every
// get-token signs a fresh PoP token around the cached access token.
func TestKubectlPoP(t *testing.T) {
	t.Parallel()
	for _, kubectl := range kubectls(t) {
		t.Run(filepath.Base(kubectl), func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, clusterOptions{})
			popArgs := c.aksArgs("spn", "--pop-enabled", "--pop-claims", "u="+popClusterID)
			env := c.kubectlEnv(t, c.kubeconfig(t, execUser{args: popArgs}),
				"AAD_SERVICE_PRINCIPAL_CLIENT_ID="+c.spn.ID,
				"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET="+c.spn.Secret)

			requireNodes(t, run(t, env, kubectl, "get", "nodes"))
			requireSchemes(t, c, "PoP")
			if n := c.em.Count("client_credentials"); n != 1 {
				t.Fatalf("token requests after the first kubectl = %d, want 1", n)
			}

			before := c.em.Counts().Total
			requireNodes(t, run(t, env, kubectl, "get", "nodes"))
			requireSchemes(t, c, "PoP")
			if after := c.em.Counts().Total; after != before {
				t.Fatalf("the second kubectl sent %d requests to Entra ID, want none: the PoP token was not cached", after-before)
			}

			keyFile := filepath.Join(homeCache(env), "pop-key.pem")
			first := popTokenOf(t, run(t, env, "kubelogin", popArgs...))
			second := popTokenOf(t, run(t, env, "kubelogin", popArgs...))
			if first.raw == second.raw || first.payload.Nonce == second.payload.Nonce {
				t.Fatal("two get-token calls printed the same PoP token: ts and nonce must be fresh on every call")
			}
			if first.payload.AT != second.payload.AT {
				t.Fatal("the two PoP tokens wrap different access tokens: the cache was not used")
			}
			first.requireBound(t)
			first.requireSignedBy(t, keyFile)
			requireFileMode(t, keyFile, 0o600)
			if after := c.em.Counts().Total; after != before {
				t.Fatalf("direct get-token calls sent %d requests to Entra ID, want none", after-before)
			}

			// A bearer kubeconfig for the same cluster and cache gets its own entry.
			bearer := append(env, "KUBECONFIG="+c.kubeconfig(t, execUser{args: c.aksArgs("spn")}))
			requireNodes(t, run(t, bearer, kubectl, "get", "nodes"))
			if last := c.api.Requests(); last[len(last)-1].Scheme != "Bearer" {
				t.Fatalf("the bearer kubeconfig authenticated with %q", last[len(last)-1].Scheme)
			}
			if n := c.em.Count("client_credentials"); n != 2 {
				t.Fatalf("token requests = %d, want 2: bearer and PoP must not share an entry", n)
			}
			if entries, _ := filepath.Glob(filepath.Join(homeCache(env), "*.json")); len(entries) != 2 {
				t.Fatalf("cache entries = %v, want one PoP and one bearer", entries)
			}

			// --no-cache stores nothing, so its key lasts one run; it still works.
			popTokenOf(t, run(t, env, "kubelogin", append(popArgs, "--no-cache")...)).requireBound(t)

			if r := run(t, env, "kubelogin", "remove-tokens"); r.code != 0 || fileExists(keyFile) {
				t.Fatalf("remove-tokens left the PoP key behind: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// TestPoPUnsupportedMode: a mode whose provider cannot request PoP tokens
// fails with one clear line before anything reaches Entra ID.
func TestPoPUnsupportedMode(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{})
	env := c.kubectlEnv(t, "unused")
	r := run(t, env, "kubelogin", c.aksArgs("devicecode", "--pop-enabled", "--pop-claims", "u="+popClusterID)...)
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	if r.stdout != "" {
		t.Errorf("stdout must stay empty, got %q", r.stdout)
	}
	const want = "Error: login mode devicecode does not support --pop-enabled"
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("stderr = %q, want one line starting %q", r.stderr, want)
	}
	if n := c.em.Counts().Total; n != 0 {
		t.Errorf("%d requests reached Entra ID, want none", n)
	}
}

// requireSchemes checks every authenticated API request used scheme.
func requireSchemes(t *testing.T, c *cluster, scheme string) {
	t.Helper()
	for _, r := range c.api.Requests() {
		if r.User != "" && r.Scheme != scheme {
			t.Fatalf("%s %s authenticated with %q, want %q", r.Method, r.Path, r.Scheme, scheme)
		}
	}
	if c.api.Authorized() == 0 {
		t.Fatal("no API request was authenticated")
	}
}

// popToken is a decoded PoP token as get-token printed it.
type popToken struct {
	raw    string
	header struct {
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}
	payload struct {
		AT    string `json:"at"`
		U     string `json:"u"`
		Nonce string `json:"nonce"`
		Cnf   struct {
			JWK struct {
				N   string `json:"n"`
				Kid string `json:"kid"`
			} `json:"jwk"`
		} `json:"cnf"`
	}
}

func popTokenOf(t *testing.T, r result) popToken {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("get-token failed: exit %d\n%s", r.code, r.stderr)
	}
	p := popToken{raw: tokenOf(t, r.stdout)}
	parts := strings.Split(p.raw, ".")
	if len(parts) != 3 {
		t.Fatalf("the printed token has %d parts, want a JWS", len(parts))
	}
	decodeJWTPart(t, parts[0], &p.header)
	decodeJWTPart(t, parts[1], &p.payload)
	if p.header.Typ != "pop" || p.payload.U != popClusterID || p.payload.AT == "" {
		t.Fatalf("not a PoP token for the cluster: typ %q, u %q", p.header.Typ, p.payload.U)
	}
	return p
}

// requireSignedBy checks the PoP token carries the public half of the key
// stored in keyFile.
func (p popToken) requireSignedBy(t *testing.T, keyFile string) {
	t.Helper()
	block, _ := pem.Decode(mustRead(t, keyFile))
	if block == nil {
		t.Fatalf("%s holds no PEM block", keyFile)
	}
	der := block.Bytes
	if block.Type != "RSA PRIVATE KEY" {
		// Encrypted at rest (the default where the OS keeps a key): open it as kubelogin does.
		var err error
		if der, err = tokenstore.NewSealer(tokenstore.System(), filepath.Dir(keyFile)).Open(block.Bytes, "pop-key"); err != nil {
			t.Fatalf("%s (%s): %v", keyFile, block.Type, err)
		}
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if base64.RawURLEncoding.EncodeToString(key.N.Bytes()) != p.payload.Cnf.JWK.N {
		t.Fatal("the PoP token is not signed with the stored key")
	}
}

// requireBound checks the access token inside was issued for the signing
// key's thumbprint, which Entra ID does only for a token request with
// token_type=pop and that key's req_cnf.
func (p popToken) requireBound(t *testing.T) {
	t.Helper()
	var inner struct {
		Cnf struct {
			Kid string `json:"kid"`
		} `json:"cnf"`
	}
	decodeJWTPart(t, strings.Split(p.payload.AT, ".")[1], &inner)
	if inner.Cnf.Kid == "" || inner.Cnf.Kid != p.header.Kid || inner.Cnf.Kid != p.payload.Cnf.JWK.Kid {
		t.Fatalf("access token cnf.kid %q, PoP header kid %q, jwk kid %q: want one thumbprint", inner.Cnf.Kid, p.header.Kid, p.payload.Cnf.JWK.Kid)
	}
}

func decodeJWTPart(t *testing.T, part string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("decoding a JWT part: %v", err)
	}
}

func requireFileMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %04o, want %04o", path, got, want)
	}
}
