package tokenstore

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/cache"
)

func TestSealRoundTrip(t *testing.T) {
	keys := newMemKeys()
	s := NewSealer(keys, "/cache")
	plain := []byte(`{"accessToken":"SECRET"}`)
	sealed, err := s.Seal(plain, "id1")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || bytes.Contains(sealed, []byte("SECRET")) {
		t.Fatal("the sealed blob is not sealed")
	}
	// A new process: a new Sealer reads the stored key.
	got, err := NewSealer(keys, "/cache").Open(sealed, "id1")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if keys.creates != 1 {
		t.Errorf("%d keys created, want 1", keys.creates)
	}
}

func TestOpenFailures(t *testing.T) {
	keys := newMemKeys()
	sealed, err := NewSealer(keys, "/cache").Seal([]byte("plain"), "id1")
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name   string
		blob   []byte
		as     string
		setup  func()
		lost   bool
		substr string
	}{
		{name: "renamed to another key", blob: sealed, as: "id2", substr: "integrity"},
		{name: "tampered", blob: tampered, as: "id1", substr: "integrity"},
		{name: "not sealed", blob: []byte("{}"), as: "id1", substr: "not an encrypted"},
		{name: "truncated", blob: sealed[:10], as: "id1", substr: "not an encrypted"},
		{name: "key gone", blob: sealed, as: "id1", setup: func() { keys.keys = map[string][]byte{} }, lost: true},
		{name: "key replaced", blob: sealed, as: "id1", setup: func() { keys.keys = map[string][]byte{"/cache": bytes.Repeat([]byte{7}, keySize)} }, lost: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			_, err := NewSealer(keys, "/cache").Open(tt.blob, tt.as)
			if err == nil || errors.Is(err, cache.ErrKeyLost) != tt.lost || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("Open error %v: want key lost %t, containing %q", err, tt.lost, tt.substr)
			}
		})
	}
}

// TestSealReplacesUnusableKey: a stored key of the wrong size is replaced at the next Seal, not an error
// on every write.
func TestSealReplacesUnusableKey(t *testing.T) {
	keys := newMemKeys()
	keys.keys["/cache"] = []byte("short")
	s := NewSealer(&replacing{keys}, "/cache")
	if _, err := s.Seal([]byte("x"), "id"); err != nil {
		t.Fatal(err)
	}
	if len(keys.keys["/cache"]) != keySize {
		t.Error("the unusable key was not replaced")
	}
}

// replacing creates over an unusable key, as every real backend does.
type replacing struct{ *memKeys }

func (r *replacing) Create(dir string, key []byte) ([]byte, error) {
	r.keys[dir] = bytes.Clone(key)
	return bytes.Clone(key), nil
}
