package specmemo

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

var spec = sdk.ModeSpec{
	LoginMode: "tokenfile", Description: "a token in a file", Token: sdk.TokenOpaque,
	Args:              []sdk.ProviderArg{{Name: "file", Description: "the file", Required: true}},
	InvalidationFiles: []sdk.InvalidationFile{{Paths: []string{"${arg:file}"}}},
}

func TestLookup(t *testing.T) {
	bin := Binary{Path: "/usr/bin/kubelogin-provider-tokenfile", Size: 100, ModTime: time.Unix(1000, 5)}
	bad := spec
	bad.Token = sdk.TokenUnspecified
	bad.LoginMode = "broken"
	tests := []struct {
		name   string
		stored []sdk.ModeSpec
		look   Binary
		mode   string
		want   bool
	}{
		{"remembered", []sdk.ModeSpec{spec}, bin, "tokenfile", true},
		{"another mode of the binary", []sdk.ModeSpec{spec}, bin, "other", false},
		{"binary grew", []sdk.ModeSpec{spec}, Binary{bin.Path, 101, bin.ModTime}, "tokenfile", false},
		{"binary touched", []sdk.ModeSpec{spec}, Binary{bin.Path, 100, time.Unix(1001, 0)}, "tokenfile", false},
		{"another binary", []sdk.ModeSpec{spec}, Binary{"/opt/kubelogin-provider-tokenfile", 100, bin.ModTime}, "tokenfile", false},
		{"a malformed spec is not trusted", []sdk.ModeSpec{bad}, bin, "broken", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Open(t.TempDir())
			if err := m.Remember(bin, tt.stored); err != nil {
				t.Fatal(err)
			}
			got, ok := m.Lookup(tt.look, tt.mode)
			if ok != tt.want {
				t.Fatalf("found %t, want %t", ok, tt.want)
			}
			if ok && got.LoginMode != tt.mode {
				t.Errorf("got the spec of %s", got.LoginMode)
			}
		})
	}
}

func TestUnreadableMemoIsAMiss(t *testing.T) {
	dir := t.TempDir()
	bin := Binary{Path: "/p", Size: 1, ModTime: time.Unix(1, 0)}
	for name, content := range map[string]string{"garbage": "{", "other version": `{"v":99,"providers":{}}`} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			m := Open(dir)
			if _, ok := m.Lookup(bin, "tokenfile"); ok {
				t.Fatal("found a spec in a broken memo")
			}
			if err := m.Remember(bin, []sdk.ModeSpec{spec}); err != nil {
				t.Fatal(err)
			}
			if _, ok := m.Lookup(bin, "tokenfile"); !ok {
				t.Fatal("a broken memo was not replaced")
			}
		})
	}
	var none *Memo
	if _, ok := Open("").Lookup(bin, "tokenfile"); ok || none.Remember(bin, nil) != nil {
		t.Error("a memo without a directory remembers")
	}
	if fi, err := os.Stat(filepath.Join(dir, FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("memo file mode %v, %v; want 0600", fi.Mode(), err)
	}
}
