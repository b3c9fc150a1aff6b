//go:build unix

package pop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPlantedKeyFile: a link or FIFO planted as the key file is neither
// followed nor waited on; it is replaced by a fresh key, and a link's
// target stays as it was.
func TestPlantedKeyFile(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		plant func(path string) error
	}{
		{"symlink", func(path string) error { return os.Symlink(victim, path) }},
		{"fifo", func(path string) error { return unix.Mkfifo(path, 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := tt.plant(path); err != nil {
				t.Fatal(err)
			}
			k, err := LoadOrCreateKey(dir, nil)
			if k == nil || err == nil || !strings.Contains(err.Error(), "replaced it with a new key") {
				t.Fatalf("LoadOrCreateKey = %v, %v; want a new key and a warning that the file was replaced", k, err)
			}
			if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("the planted file was not replaced by a key file: %v", err)
			}
			again, err := LoadOrCreateKey(dir, nil)
			if err != nil || again.Thumbprint() != k.Thumbprint() {
				t.Fatalf("the replacement key was not reused: %v", err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Fatalf("the link target was changed: %q", b)
			}
			if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
				t.Fatalf("the link target's mode was changed: %v", fi.Mode())
			}
		})
	}
}
