package tokenstore

import (
	"bytes"
	"errors"
	"testing"
)

// TestDPAPI wraps a data key with the real DPAPI for the current user and reads it back.
func TestDPAPI(t *testing.T) {
	dir := t.TempDir()
	d := NewDPAPI()
	key := bytes.Repeat([]byte{0x3C}, keySize)
	if got, err := d.Create(dir, key); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Create = %x, %v", got, err)
	}
	if got, err := NewDPAPI().Load(dir); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Load = %x, %v", got, err)
	}
	if removed, err := d.Delete(dir); !removed || err != nil {
		t.Fatalf("Delete = %t, %v", removed, err)
	}
	if _, err := d.Load(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Load after Delete: %v", err)
	}
}
