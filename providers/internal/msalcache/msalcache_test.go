package msalcache

import (
	"context"
	"errors"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

type fakeCache struct {
	loaded []byte
	out    []byte
	err    error
}

func (f *fakeCache) Unmarshal(b []byte) error { f.loaded = b; return f.err }
func (f *fakeCache) Marshal() ([]byte, error) { return f.out, f.err }

func TestBlob(t *testing.T) {
	ctx := context.Background()
	state := []byte(`{"a":1}`)
	b := New(state)
	state[0] = 'x' // the blob must not alias the caller's slice

	f := &fakeCache{}
	if err := b.Replace(ctx, f, cache.ReplaceHints{}); err != nil || string(f.loaded) != `{"a":1}` {
		t.Fatalf("Replace loaded %q, %v", f.loaded, err)
	}
	f.out = []byte(`{"b":2}`)
	if err := b.Export(ctx, f, cache.ExportHints{}); err != nil || string(b.Bytes()) != `{"b":2}` {
		t.Fatalf("Export stored %q, %v", b.Bytes(), err)
	}
	b.Reset()
	f.loaded = nil
	if err := b.Replace(ctx, f, cache.ReplaceHints{}); err != nil || f.loaded != nil || b.Bytes() != nil {
		t.Fatalf("after Reset, Replace loaded %q, %v", f.loaded, err)
	}

	bad := New([]byte("x"))
	if err := bad.Replace(ctx, &fakeCache{err: errors.New("corrupt")}, cache.ReplaceHints{}); err == nil {
		t.Fatal("Replace of an unreadable cache succeeded")
	}
}
