package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestThirdPartyProvider runs examples/provider-tokenfile, built from the
// SDK alone, through the host: settings reach it with --provider-arg, its
// tokens are cached, and its arguments are part of the cache key.
func TestThirdPartyProvider(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	dir := t.TempDir()
	write := func(name, sub string) (string, string) {
		enc := base64.RawURLEncoding.EncodeToString
		tok := enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(fmt.Sprintf(`{"aud":"srv","sub":%q,"exp":%d}`, sub, time.Now().Add(time.Hour).Unix()))) + ".c2ln"
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		return p, tok
	}
	a, tokA := write("a", "first")
	b, tokB := write("b", "second")
	get := func(file string) string {
		r := run(t, env, "kubelogin", "get-token", "-l", "tokenfile", "--server-id", "srv", "--provider-arg", "file="+file)
		if r.code != 0 {
			t.Fatalf("get-token: exit %d: %s", r.code, r.stderr)
		}
		return tokenOf(t, r.stdout)
	}
	if got := get(a); got != tokA {
		t.Fatal("the provider's token was not printed")
	}
	write("a", "rotated")
	if got := get(a); got != tokA {
		t.Fatal("the second call did not come from the cache")
	}
	if got := get(b); got != tokB {
		t.Fatal("another --provider-arg was served from the first entry")
	}
	r := run(t, env, "kubelogin", "get-token", "-l", "tokenfile", "--server-id", "srv")
	if r.code != 1 || !strings.Contains(r.stderr, "add --provider-arg file=PATH") {
		t.Fatalf("missing provider setting: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, env, "kubelogin", "providers", "list", "--timeout", "2s")
	if !strings.Contains(r.stdout, "example-tokenfile") {
		t.Fatalf("providers list does not show the third-party provider:\n%s", r.stdout)
	}
}
