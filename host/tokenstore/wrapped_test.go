package tokenstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/cache"
)

// xorWrap stands in for DPAPI: wrapping that only the same "user" (mask) undoes.
func xorWrap(mask byte) *Wrapped {
	f := func(b []byte) ([]byte, error) {
		out := make([]byte, len(b)+1)
		out[0] = mask
		for i, c := range b {
			out[i+1] = c ^ mask
		}
		return out, nil
	}
	un := func(b []byte) ([]byte, error) {
		if len(b) == 0 || b[0] != mask {
			return nil, errors.New("wrong user")
		}
		out := make([]byte, len(b)-1)
		for i, c := range b[1:] {
			out[i] = c ^ mask
		}
		return out, nil
	}
	return &Wrapped{name: "xor", protect: f, unprotect: un}
}

func TestWrapped(t *testing.T) {
	dir := t.TempDir()
	w := xorWrap(0x11)
	if _, err := w.Load(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Load before Create: %v", err)
	}
	key := bytes.Repeat([]byte{0x42}, keySize)
	if got, err := w.Create(dir, key); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Create = %x, %v", got, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, cache.WrappedKeyFile))
	if err != nil || bytes.Contains(raw, key) {
		t.Fatalf("wrapped file %v: holds the key in clear", err)
	}
	if got, err := w.Create(dir, bytes.Repeat([]byte{1}, keySize)); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("second Create = %x, %v; want the first key", got, err)
	}
	// Another user cannot unwrap: no key, and its Create replaces the file.
	other := xorWrap(0x22)
	if _, err := other.Load(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("another user's Load: %v, want ErrNoKey", err)
	}
	theirs := bytes.Repeat([]byte{0x33}, keySize)
	if got, err := other.Create(dir, theirs); err != nil || !bytes.Equal(got, theirs) {
		t.Fatalf("another user's Create = %x, %v", got, err)
	}
	if removed, err := other.Delete(dir); !removed || err != nil {
		t.Fatalf("Delete = %t, %v", removed, err)
	}
	des, _ := os.ReadDir(dir)
	if len(des) != 0 {
		t.Errorf("files left behind: %v", des)
	}
}
