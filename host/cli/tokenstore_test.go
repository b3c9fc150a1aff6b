package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// refreshState is the provider state the token-store tests look for on disk.
const refreshState = "REFRESH-TOKEN-0123456789"

// statefulSPN is a provider that returns refreshState with its token.
func statefulSPN(h *harness) *scripted {
	p := issuing(h.now, serverID, sdk.Capabilities{Stateful: true, PoP: true}, "spn")
	inner := p.get
	p.get = func(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
		tok, err := inner(ctx, req, ui)
		if tok != nil {
			tok.State = []byte(refreshState)
		}
		return tok, err
	}
	return p
}

func spnArgs(tenant string, extra ...string) []string {
	return append([]string{"get-token", "-l", "spn", "--server-id", serverID, "--client-id", "c", "--client-secret", "s", "-t", tenant}, extra...)
}

// filesHolding lists the files under dir whose contents hold secret, in clear or base64 (std or URL, with
// or without padding).
func filesHolding(t *testing.T, dir, secret string) []string {
	t.Helper()
	forms := [][]byte{[]byte(secret)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, []byte(enc.EncodeToString([]byte(secret))))
	}
	var found []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range forms {
			if bytes.Contains(data, f) {
				found = append(found, path)
				break
			}
		}
		return nil
	})
	return found
}

// TestTokenStoreEncrypts: with a working key store, neither the access token, nor the provider state, nor
// the PoP private key is on disk in clear; hits start no provider; status says how tokens are kept.
func TestTokenStoreEncrypts(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", statefulSPN(h))
	for i := range 2 {
		if code := h.run(t, spnArgs("tenant", "--pop-enabled", "--pop-claims", "u=/arm/c")...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
		if strings.Contains(h.err.String(), "unencrypted") {
			t.Errorf("run %d warned about plaintext: %s", i, h.err.String())
		}
	}
	if n := h.launcher.launches(); n != 1 {
		t.Errorf("%d providers launched for a miss and a hit, want 1", n)
	}
	for _, secret := range []string{refreshState, jwt(serverID), "BEGIN RSA PRIVATE KEY"} {
		if files := filesHolding(t, h.home, secret); len(files) > 0 {
			t.Errorf("%q is stored in clear or base64 in %v", secret[:10], files)
		}
	}
	if _, ok := h.keys.keys[h.cacheDir()]; !ok {
		t.Error("no data key in the key store")
	}
	if code := h.run(t, "status"); code != 0 {
		t.Fatalf("status: exit %d: %s", code, h.err.String())
	}
	if !strings.Contains(h.err.String(), "token store: encrypted (AES-256-GCM), key in the test key store; chosen with auto (default)") {
		t.Errorf("status does not say how tokens are kept: %s", h.err.String())
	}
}

// TestTokenStoreKeyctlBlocked: where the key store refuses every call (keyctl under Docker's default
// seccomp profile returns EPERM), get-token still caches, in 0600 plaintext files, says so once per cache
// directory, and status says why.
func TestTokenStoreKeyctlBlocked(t *testing.T) {
	h := newHarness(t)
	h.keys.blocked = fmt.Errorf("the Linux kernel keyring is unavailable (keyctl: %w)", syscall.EPERM)
	h.install(t, "spn", statefulSPN(h))
	notices := 0
	for i, tenant := range []string{"t1", "t1", "t2"} { // a miss, a hit, another key's miss
		if code := h.run(t, spnArgs(tenant)...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
		if strings.Contains(h.err.String(), "stored unencrypted") {
			notices++
			if !strings.Contains(h.err.String(), "keyctl: operation not permitted") {
				t.Errorf("the notice does not say why: %s", h.err.String())
			}
		}
	}
	if notices != 1 {
		t.Errorf("%d notices in three runs, want exactly 1", notices)
	}
	if n := h.launcher.launches(); n != 2 {
		t.Errorf("%d providers launched for two misses and a hit, want 2", n)
	}
	entries, err := cache.Open(h.cacheDir(), nil).List()
	if err != nil || len(entries) != 2 || string(entries[0].State) != refreshState {
		t.Fatalf("plaintext cache holds %d entries (%v), want 2 with the state", len(entries), err)
	}
	des, _ := os.ReadDir(h.cacheDir())
	for _, de := range des {
		if fi, err := de.Info(); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", de.Name(), fi.Mode().Perm())
		}
	}
	if code := h.run(t, "status"); code != 0 {
		t.Fatalf("status: exit %d: %s", code, h.err.String())
	}
	if !strings.Contains(h.err.String(), "token store: plaintext files (0600), not encrypted: the Linux kernel keyring is unavailable (keyctl: operation not permitted)") {
		t.Errorf("status does not say why tokens are not encrypted: %s", h.err.String())
	}
}

// TestTokenStoreLostKey: a data key that is gone (a reboot emptied the keyring) is one clean miss and one
// new sign-in; the call after it is a hit again.
func TestTokenStoreLostKey(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", statefulSPN(h))
	for i, lose := range []bool{false, true, false} {
		if lose {
			h.keys.keys = map[string][]byte{}
		}
		if code := h.run(t, spnArgs("tenant")...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
		if strings.Contains(h.err.String(), "Error") {
			t.Errorf("run %d: %s", i, h.err.String())
		}
	}
	if n := h.launcher.launches(); n != 2 {
		t.Errorf("%d sign-ins, want 2: the first and one after the key was lost", n)
	}
	if r := h.launcher.providers["spn"].(*scripted).requests(); r[1].State != nil {
		t.Error("the sign-in after the key was lost got state it could not have decrypted")
	}
}

// TestTokenStoreMigrates: an entry in the plaintext format is served, then rewritten encrypted.
func TestTokenStoreMigrates(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", statefulSPN(h))
	h.keys.blocked = errors.New("blocked")
	if code := h.run(t, spnArgs("tenant")...); code != 0 {
		t.Fatalf("plaintext run: exit %d: %s", code, h.err.String())
	}
	if len(filesHolding(t, h.cacheDir(), refreshState)) != 1 {
		t.Fatal("the plaintext run did not store the state in clear")
	}
	h.keys.blocked = nil
	for i := range 2 {
		if code := h.run(t, spnArgs("tenant")...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
	}
	if n := h.launcher.launches(); n != 1 {
		t.Errorf("%d sign-ins, want 1: the plaintext entry must be served", n)
	}
	if files := filesHolding(t, h.cacheDir(), refreshState); len(files) > 0 {
		t.Errorf("still in clear after migration: %v", files)
	}
	if _, err := os.Lstat(filepath.Join(h.cacheDir(), "store-plaintext.notice")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the plaintext notice marker outlived the migration: %v", err)
	}
}

// TestTokenStoreChoice: --token-store and KUBELOGIN_TOKEN_STORE, and the policy's requirement.
func TestTokenStoreChoice(t *testing.T) {
	encryptedPolicy, err := policy.Parse([]byte("tokenStore: encrypted\n"))
	if err != nil {
		t.Fatal(err)
	}
	encryptedPolicy.File = "/etc/kubelogin/policy.yaml"
	tests := []struct {
		name    string
		args    []string
		env     string
		blocked bool
		policy  *policy.Policy
		err     string // one-line error, or "" for success
		files   int    // entry files written
		clear   bool   // state stored in clear
	}{
		{name: "default encrypts", files: 1},
		{name: "file", args: []string{"--token-store", "file"}, files: 1, clear: true},
		{name: "env file", env: "file", files: 1, clear: true},
		{name: "flag beats env", args: []string{"--token-store", "auto"}, env: "file", files: 1},
		// A settings variable like KUBECACHEDIR: ignored with the flag, so the default (encrypted) applies.
		{name: "env ignored with --disable-environment-override", args: []string{"--disable-environment-override"}, env: "file", files: 1},
		{name: "bad env value", env: "vault", err: `KUBELOGIN_TOKEN_STORE "vault" is not a token store`},
		{name: "none stores nothing", args: []string{"--token-store", "none"}},
		{name: "encrypted without key store", args: []string{"--token-store", "encrypted"}, blocked: true, err: "--token-store=encrypted cannot be honoured: blocked; make the OS key store available"},
		{name: "bad value", args: []string{"--token-store", "vault"}, err: `--token-store "vault" is not a token store`},
		{name: "policy refuses file", args: []string{"--token-store", "file"}, policy: encryptedPolicy, err: "the provider policy /etc/kubelogin/policy.yaml requires encrypted token storage, so --token-store=file is not allowed"},
		{name: "policy without key store", blocked: true, policy: encryptedPolicy, err: "requires encrypted token storage, but blocked: make the OS key store available, or use --token-store=none"},
		{name: "policy allows none", args: []string{"--token-store", "none"}, blocked: true, policy: encryptedPolicy},
		{name: "broken policy requires encryption", args: []string{"--token-store", "file"}, err: "the provider policy (broken) requires encrypted token storage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.install(t, "spn", statefulSPN(h))
			if tt.env != "" {
				h.env["KUBELOGIN_TOKEN_STORE"] = tt.env
			}
			if tt.blocked {
				h.keys.blocked = errors.New("blocked")
			}
			h.f.Search = func() provider.Search {
				s := provider.Search{ExecutableDir: h.provDir, Policy: tt.policy}
				if tt.name == "broken policy requires encryption" {
					s.PolicyErr = errors.New("broken")
				}
				return s
			}
			code := h.run(t, spnArgs("tenant", tt.args...)...)
			if tt.err != "" {
				h.oneLineError(t, code, tt.err)
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			des, _ := os.ReadDir(h.cacheDir())
			files := 0
			for _, de := range des {
				if strings.HasSuffix(de.Name(), ".json") {
					files++
				}
			}
			if files != tt.files {
				t.Errorf("%d entry files, want %d", files, tt.files)
			}
			if got := len(filesHolding(t, h.home, refreshState)) > 0; got != tt.clear {
				t.Errorf("state in clear: %t, want %t", got, tt.clear)
			}
			if strings.Contains(h.err.String(), "unencrypted") {
				t.Errorf("a chosen store must not print the fallback notice: %s", h.err.String())
			}
		})
	}
}

// TestRemoveTokensRemovesKey: remove-tokens deletes the data key from the OS key store and says so.
func TestRemoveTokensRemovesKey(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", statefulSPN(h))
	if code := h.run(t, spnArgs("tenant")...); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	if code := h.run(t, "remove-tokens"); code != 0 {
		t.Fatalf("remove-tokens: exit %d: %s", code, h.err.String())
	}
	if len(h.keys.keys) != 0 {
		t.Error("the data key survived remove-tokens")
	}
	if !strings.Contains(h.err.String(), "removed the token cache key in the test key store") {
		t.Errorf("remove-tokens did not say it removed the key: %s", h.err.String())
	}
}
