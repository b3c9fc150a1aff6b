package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const zeros = "0000000000000000000000000000000000000000000000000000000000000000"

func TestParse(t *testing.T) {
	tests := []struct {
		name, doc, err string
		modes          []string
	}{
		{name: "two providers", doc: "providers:\n  - {mode: spn, path: /opt/p/spn, sha256: " + zeros + "}\n  - {mode: msi, path: /opt/p/msi, sha256: " + strings.ToUpper(zeros) + "}\n", modes: []string{"msi", "spn"}},
		{name: "empty list allows nothing", doc: "providers: []\n", modes: nil},
		{name: "relative path", doc: "providers:\n  - {mode: spn, path: bin/spn, sha256: " + zeros + "}\n", err: "must be absolute"},
		{name: "short checksum", doc: "providers:\n  - {mode: spn, path: /p, sha256: abc}\n", err: "64 hex digits"},
		{name: "bad mode", doc: "providers:\n  - {mode: 'Spn X', path: /p, sha256: " + zeros + "}\n", err: "not a login mode name"},
		{name: "duplicate", doc: "providers:\n  - {mode: spn, path: /a, sha256: " + zeros + "}\n  - {mode: spn, path: /b, sha256: " + zeros + "}\n", err: "listed twice"},
		{name: "unknown field", doc: "providers:\n  - {mode: spn, path: /a, sha: " + zeros + "}\n", err: "field sha not found"},
		{name: "not yaml", doc: "providers: [\n", err: "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var modes []string
			for _, e := range p.Providers {
				modes = append(modes, e.Mode)
				if e.SHA256 != zeros {
					t.Errorf("checksum not normalised: %s", e.SHA256)
				}
			}
			if strings.Join(modes, ",") != strings.Join(tt.modes, ",") {
				t.Fatalf("modes %v, want %v", modes, tt.modes)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	admin := filepath.Join(dir, "admin.yaml")
	user := filepath.Join(dir, "user.yaml")
	os.WriteFile(user, []byte("providers:\n  - {mode: spn, path: /u/spn, sha256: "+zeros+"}\n"), 0o644)
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvFile {
				return v
			}
			return ""
		}
	}
	if p, err := Load(admin, env("")); p != nil || err != nil {
		t.Fatalf("no policy anywhere: %v, %v", p, err)
	}
	if p, err := Load(admin, env(user)); err != nil || p.File != user {
		t.Fatalf("a user's own policy applies when there is no admin policy: %+v, %v", p, err)
	}
	os.WriteFile(admin, []byte("providers: []\n"), 0o644)
	if p, err := Load(admin, env(user)); err != nil || p.File != admin || len(p.Providers) != 0 {
		t.Fatalf("the admin policy must win over %s: %+v, %v", EnvFile, p, err)
	}
	os.WriteFile(admin, []byte("providers: {"), 0o644)
	if _, err := Load(admin, env("")); err == nil || !strings.Contains(err.Error(), "ask your administrator") {
		t.Fatalf("a broken policy must fail closed: %v", err)
	}
	if _, err := Load(admin, env(filepath.Join(dir, "absent"))); err == nil {
		t.Fatal("a broken admin policy must not fall back to the user's")
	}
}

func TestLookup(t *testing.T) {
	p := &Policy{File: "/etc/kubelogin/policy.yaml", Providers: []Provider{{Mode: "msi"}, {Mode: "spn"}}}
	if e, err := p.Lookup("spn"); err != nil || e.Mode != "spn" {
		t.Fatal(e, err)
	}
	_, err := p.Lookup("devicecode")
	if err == nil || err.Error() != "login mode devicecode is not approved by the provider policy /etc/kubelogin/policy.yaml; approved: msi, spn" {
		t.Fatal(err)
	}
}

func TestOpenVerifies(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubelogin-provider-x")
	os.WriteFile(bin, []byte("provider bytes"), 0o755)
	sum := sha256.Sum256([]byte("provider bytes"))
	good := Provider{Mode: "x", Path: bin, SHA256: hex.EncodeToString(sum[:])}

	f, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	if n, _ := f.Read(b); string(b[:n]) != "provider" {
		t.Errorf("the verified file is not rewound: read %q", b[:n])
	}
	f.Close()

	bad := good
	bad.SHA256 = zeros
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "does not match the checksum") {
		t.Fatalf("mismatch: %v", err)
	}
	for name, p := range map[string]string{"directory": dir, "missing": filepath.Join(dir, "absent")} {
		e := good
		e.Path = p
		if _, err := Open(e); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// TestTokenStore: tokenStore: encrypted requires encryption at rest; alone it leaves providers
// unrestricted, with a providers list (even an empty one) the list still rules.
func TestTokenStore(t *testing.T) {
	tests := []struct {
		name, doc, err      string
		encrypted, restrict bool
	}{
		{name: "absent", doc: "providers: []\n", restrict: true},
		{name: "only tokenStore", doc: "tokenStore: encrypted\n", encrypted: true},
		{name: "with providers", doc: "tokenStore: encrypted\nproviders:\n  - {mode: spn, path: /a, sha256: " + zeros + "}\n", encrypted: true, restrict: true},
		{name: "with empty providers", doc: "tokenStore: encrypted\nproviders: []\n", encrypted: true, restrict: true},
		{name: "empty document restricts", doc: "{}\n", restrict: true},
		{name: "other value", doc: "tokenStore: file\n", err: `tokenStore "file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.RequiresEncryption() != tt.encrypted || p.RestrictsProviders() != tt.restrict {
				t.Errorf("RequiresEncryption %v RestrictsProviders %v, want %v %v", p.RequiresEncryption(), p.RestrictsProviders(), tt.encrypted, tt.restrict)
			}
		})
	}
	var none *Policy
	if none.RequiresEncryption() || none.RestrictsProviders() {
		t.Error("no policy must require and restrict nothing")
	}
}
