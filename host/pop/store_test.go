package pop

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoadOrCreateKeyPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache") // created on demand
	first, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatalf("first call warned: %v", err)
	}
	requireMode(t, filepath.Join(dir, FileName), 0o600)
	second, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatalf("second call warned: %v", err)
	}
	if first.Thumbprint() != second.Thumbprint() {
		t.Fatal("the stored key was not reused")
	}
	requireOnlyKeyFile(t, dir)
}

func TestLoadOrCreateKeyTightensMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows permissions are not mode bits")
	}
	dir := t.TempDir()
	first, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatalf("tightening warned: %v", err)
	}
	if again.Thumbprint() != first.Thumbprint() {
		t.Fatal("a key with a loose mode was replaced instead of tightened")
	}
	requireMode(t, path, 0o600)
}

func TestLoadOrCreateKeyReplacesUnusable(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(testKey(t).priv)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("not a key\n")},
		{"truncated", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PrivateKey(testKey(t).priv)})[:200]},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: []byte("junk")})},
		{"other PEM type", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})},
		{"1024-bit key", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PrivateKey(small)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := LoadOrCreateKey(dir, nil)
			if k == nil || err == nil || !strings.Contains(err.Error(), "replaced it with a new key") {
				t.Fatalf("got key %v, warning %v; want a new key and a warning", k != nil, err)
			}
			stored, err := LoadOrCreateKey(dir, nil)
			if err != nil || stored.Thumbprint() != k.Thumbprint() {
				t.Fatalf("the replacement was not stored: %v", err)
			}
			requireMode(t, path, 0o600)
			requireOnlyKeyFile(t, dir)
		})
	}
}

func TestLoadOrCreateKeyEphemeral(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir string }{
		{"no directory", ""},
		{"unwritable directory", filepath.Join(file, "cache")}, // a file in the way stops root too
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadOrCreateKey(tt.dir, nil)
			if k == nil {
				t.Fatalf("no key: %v", err)
			}
			if err == nil || !strings.Contains(err.Error(), "this run only") {
				t.Fatalf("warning = %v, want one saying the key lasts this run only", err)
			}
			if _, err := k.Sign("at", map[string]string{"u": u}, time.Now()); err != nil {
				t.Fatalf("the ephemeral key cannot sign: %v", err)
			}
		})
	}
}

// TestLoadOrCreateKeyConcurrent: callers racing on an empty directory all
// get the one key that ends up on disk.
func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	var wg sync.WaitGroup
	kids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			k, err := LoadOrCreateKey(dir, nil)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = k.Thumbprint()
		})
	}
	wg.Wait()
	requireSameStoredKey(t, dir, kids)
}

// TestLoadOrCreateKeyProcesses races separate processes, as concurrent
// kubectl invocations do; each prints the thumbprint it got.
func TestLoadOrCreateKeyProcesses(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperLoadKey$")
		cmds[i].Env = append(os.Environ(), helperEnv+"="+dir)
		cmds[i].Stdout = &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	kids := make([]string, n)
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		for line := range strings.Lines(outs[i].String()) {
			if kid, ok := strings.CutPrefix(strings.TrimSpace(line), "kid="); ok {
				kids[i] = kid
			}
		}
	}
	requireSameStoredKey(t, dir, kids)
}

const helperEnv = "KUBELOGIN_POP_TEST_HELPER_DIR"

// TestHelperLoadKey is the child of TestLoadOrCreateKeyProcesses.
func TestHelperLoadKey(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	k, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("kid=" + k.Thumbprint() + "\n")
}

func requireSameStoredKey(t *testing.T, dir string, kids []string) {
	t.Helper()
	stored, _, err := load(filepath.Join(dir, FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, kid := range kids {
		if kid != stored.Thumbprint() {
			t.Fatalf("caller %d got key %q, the stored key is %q", i, kid, stored.Thumbprint())
		}
	}
	requireOnlyKeyFile(t, dir)
}

func requireMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %04o, want %04o", path, got, want)
	}
}

// requireOnlyKeyFile checks no temp file was left behind.
func requireOnlyKeyFile(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if !slices.Equal(names, []string{FileName}) {
		t.Fatalf("%s holds %v, want only %s", dir, names, FileName)
	}
}
