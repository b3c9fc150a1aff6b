package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
)

// TestTokensEncryptedAtRest: after a device code sign-in through real kubectl, on a Linux where keyctl
// works, no file under HOME or TMPDIR holds the refresh token, in clear or in any base64 form; a second
// kubectl is served from the (encrypted) cache; status names the keyring; remove-tokens removes the key.
func TestTokensEncryptedAtRest(t *testing.T) {
	if err := tokenstore.System().Probe(); err != nil {
		t.Skipf("no OS key store here (%v); TestTokensPlaintextWhenKeyctlBlocked covers this case", err)
	}
	c := newCluster(t, clusterOptions{})
	c.approveDeviceCodes(t)
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	env := c.kubectlEnv(t, kc)

	requireNodes(t, run(t, env, "/usr/bin/kubectl", "get", "nodes"))
	rts := c.em.IssuedRefreshTokens()
	if len(rts) == 0 {
		t.Fatal("the emulator issued no refresh token: the test checks nothing")
	}
	for _, dir := range []string{envValue(env, "HOME"), envValue(env, "TMPDIR")} {
		for _, rt := range rts {
			if files := filesHolding(t, dir, rt); len(files) > 0 {
				t.Errorf("the refresh token is stored readably in %v", files)
			}
		}
	}
	if files := filesHolding(t, envValue(env, "HOME"), "BEGIN RSA PRIVATE KEY"); len(files) > 0 {
		t.Errorf("a private key is stored in clear in %v", files)
	}

	before := c.em.Counts().Total
	requireNodes(t, run(t, env, "/usr/bin/kubectl", "get", "nodes"))
	if after := c.em.Counts().Total; after != before {
		t.Fatalf("the second kubectl sent %d requests to Entra ID: the encrypted entry was not served", after-before)
	}

	r := run(t, env, "kubelogin", "status")
	if r.code != 0 || !strings.Contains(r.stderr, "token store: encrypted (AES-256-GCM), key in the Linux kernel keyring") {
		t.Fatalf("status: exit %d:\n%s", r.code, r.stderr)
	}
	r = run(t, env, "kubelogin", "remove-tokens")
	if r.code != 0 || !strings.Contains(r.stderr, "removed the token cache key in the Linux kernel keyring") {
		t.Fatalf("remove-tokens: exit %d:\n%s", r.code, r.stderr)
	}
	if _, err := tokenstore.System().Load(homeCache(env)); err == nil {
		t.Error("the data key survived remove-tokens")
	}
}

// filesHolding lists the regular files under dir that hold secret in clear or base64 (standard or URL
// alphabet, padded or not).
func filesHolding(t *testing.T, dir, secret string) []string {
	t.Helper()
	forms := [][]byte{[]byte(secret)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		// Inside a longer base64 text the encoding of secret depends on its offset mod 3: encode it at each
		// offset and keep the characters that depend on secret alone (not on what precedes or follows).
		for offset := range 3 {
			s := enc.EncodeToString(append(make([]byte, offset), secret...))
			if offset > 0 {
				s = s[4:]
			}
			forms = append(forms, []byte(s[:len(s)-4]))
		}
	}
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil // a file removed while walking
		}
		for _, f := range forms {
			if bytes.Contains(data, f) {
				found = append(found, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// rewriteEntry changes the JSON document of the cache entry at path, decrypting and re-encrypting it
// with this user's data key when the entry is encrypted (as kubelogin writes it by default).
func rewriteEntry(t *testing.T, path string, change func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var envelope struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
		ID      string `json:"key"`
		Sealed  []byte `json:"sealed"`
	}
	if err := json.Unmarshal(b, &envelope); err != nil {
		t.Fatal(err)
	}
	var sealer *tokenstore.Sealer
	if envelope.Version == 2 {
		sealer = tokenstore.NewSealer(tokenstore.System(), filepath.Dir(path))
		if b, err = sealer.Open(envelope.Sealed, envelope.ID); err != nil {
			t.Fatalf("decrypting %s: %v", path, err)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if sealer != nil {
		if envelope.Sealed, err = sealer.Seal(b, envelope.ID); err != nil {
			t.Fatal(err)
		}
		if b, err = json.Marshal(envelope); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// expireEntry moves an entry's expiry into the past.
func expireEntry(m map[string]any) {
	m["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
}
