package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// xorSealer stands in for host/tokenstore: a reversible transform under a key generation, so a test can
// "lose" the key (bump the generation) or make sealing fail.
type xorSealer struct {
	gen     byte
	sealErr error
	seals   int
}

func (s *xorSealer) Seal(plain []byte, name string) ([]byte, error) {
	if s.sealErr != nil {
		return nil, s.sealErr
	}
	s.seals++
	out := append([]byte{s.gen}, []byte(name+":")...)
	for _, b := range plain {
		out = append(out, b^0x5A)
	}
	return out, nil
}

func (s *xorSealer) Open(sealed []byte, name string) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != s.gen {
		return nil, fmt.Errorf("%w: test", ErrKeyLost)
	}
	body, ok := bytes.CutPrefix(sealed[1:], []byte(name+":"))
	if !ok {
		return nil, errors.New("bound to another name")
	}
	out := make([]byte, len(body))
	for i, b := range body {
		out[i] = b ^ 0x5A
	}
	return out, nil
}

func fileHolds(t *testing.T, path, secret string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(data, []byte(secret))
}

func TestSealedRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := &xorSealer{gen: 1}
	w := &warnings{}
	c := Open(dir, w.add, Sealed(s, false))
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, testKey.ID()+entrySuffix)
	if fileHolds(t, path, "SECRET") {
		t.Fatal("the sealed entry holds the token in clear")
	}
	got, ok := c.Get(testKey)
	if !ok || got.AccessToken != "SECRET-TOKEN" || string(got.State) != "SECRET-STATE\x00\xff" {
		t.Fatalf("Get = %+v, %t", got, ok)
	}
	// A plaintext cache (--token-store=file) cannot read it: a miss with one warning.
	w2 := &warnings{}
	if _, ok := Open(dir, w2.add).Get(testKey); ok || len(w2.list()) != 1 || !strings.Contains(w2.list()[0], "encrypted") {
		t.Errorf("plaintext read of a sealed entry: ok %t, warnings %q", ok, w2.list())
	}
	if len(w.list()) != 0 {
		t.Errorf("warnings: %q", w.list())
	}
}

// TestSealedKeyLost: an entry sealed with a key that is gone is a miss with one line, and the next Put
// replaces it; List counts such entries in one warning.
func TestSealedKeyLost(t *testing.T) {
	dir := t.TempDir()
	s := &xorSealer{gen: 1}
	w := &warnings{}
	c := Open(dir, w.add, Sealed(s, false))
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	s.gen = 2 // the keyring was emptied; a new key was created
	for range 2 {
		if _, ok := c.Get(testKey); ok {
			t.Fatal("an entry sealed with a lost key was served")
		}
	}
	if msgs := w.list(); len(msgs) != 1 || !strings.Contains(msgs[0], "signing in again") || strings.Contains(msgs[0], "SECRET") {
		t.Errorf("warnings %q, want one line about signing in again", msgs)
	}
	entries, err := c.List()
	if err != nil || len(entries) != 0 || !strings.Contains(w.list()[len(w.list())-1], "1 cached sign-ins") {
		t.Errorf("List = %d entries, %v; warnings %q", len(entries), err, w.list())
	}
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(testKey); !ok {
		t.Error("the entry written after the key was lost is not served")
	}
}

// TestSealedMigratesPlaintext: an entry in the plaintext format is served and rewritten encrypted once.
func TestSealedMigratesPlaintext(t *testing.T) {
	dir := t.TempDir()
	if err := Open(dir, nil).Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, testKey.ID()+entrySuffix)
	if !fileHolds(t, path, "SECRET-TOKEN") {
		t.Fatal("setup: the plaintext entry does not hold the token")
	}
	s := &xorSealer{gen: 1}
	c := Open(dir, func(msg string) { t.Error(msg) }, Sealed(s, false))
	for range 2 {
		if e, ok := c.Get(testKey); !ok || e.AccessToken != "SECRET-TOKEN" {
			t.Fatalf("Get = %+v, %t", e, ok)
		}
	}
	if fileHolds(t, path, "SECRET") {
		t.Error("the entry is still in clear after it was read")
	}
	if s.seals != 1 {
		t.Errorf("%d seals, want 1: migration happens once", s.seals)
	}
}

// TestSealedMigrationSkipsBusyKey: while another process holds the key's lock (it is refreshing and will
// write the new entry), the plaintext entry is served but not rewritten.
func TestSealedMigrationSkipsBusyKey(t *testing.T) {
	dir := t.TempDir()
	if err := Open(dir, nil).Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	holder := Open(dir, nil)
	unlock, err := holder.Lock(t.Context(), testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	s := &xorSealer{gen: 1}
	if _, ok := Open(dir, nil, Sealed(s, false)).Get(testKey); !ok {
		t.Fatal("the plaintext entry was not served")
	}
	if s.seals != 0 {
		t.Error("the entry was rewritten while its lock was held")
	}
}

// TestPlaintextNoticeOnce: a cache that stores plaintext although encryption was wanted says so at its
// first write, once per directory (across processes: a marker file), not at reads; after an encrypted
// write it would say so again.
func TestPlaintextNoticeOnce(t *testing.T) {
	dir := t.TempDir()
	var msgs []string
	for i := range 3 { // three processes
		c := Open(dir, func(m string) { msgs = append(msgs, m) }, PlaintextNotice("the keyring is blocked"))
		c.Get(testKey)
		k := testKey
		k.TenantID = fmt.Sprint(i)
		if err := c.Put(k, sampleEntry()); err != nil {
			t.Fatal(err)
		}
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "stored unencrypted") || !strings.Contains(msgs[0], "because the keyring is blocked") {
		t.Fatalf("notices %q, want exactly one with the reason", msgs)
	}
	if err := Open(dir, nil, Sealed(&xorSealer{gen: 1}, false)).Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	msgs = nil
	if err := Open(dir, func(m string) { msgs = append(msgs, m) }, PlaintextNotice("again")).Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Errorf("after encrypted writes a new fallback gave %d notices, want 1", len(msgs))
	}
}

// TestSealFailureFallsBack: in auto mode a Put whose sealing fails stores plaintext with the notice; in
// encrypted mode it fails.
func TestSealFailureFallsBack(t *testing.T) {
	dir := t.TempDir()
	broken := &xorSealer{sealErr: errors.New("add_key: quota exceeded")}
	var msgs []string
	c := Open(dir, func(m string) { msgs = append(msgs, m) }, Sealed(broken, true))
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "quota exceeded") {
		t.Errorf("notices %q", msgs)
	}
	if e, ok := Open(dir, nil).Get(testKey); !ok || e.AccessToken != "SECRET-TOKEN" {
		t.Error("the fallback entry is not readable as plaintext")
	}
	if err := Open(dir, nil, Sealed(broken, false)).Put(testKey, sampleEntry()); err == nil || !strings.Contains(err.Error(), "quota exceeded") {
		t.Errorf("encrypted-only Put with failing sealing: %v", err)
	}
}

// TestRemoveAllRemovesStoreFiles: the token store's files are kubelogin's and go with the entries.
func TestRemoveAllRemovesStoreFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{KeyLockFile, WrappedKeyFile, WrappedKeyFile + ".tmp-123", noticeFile} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, kept, err := RemoveAll(dir)
	if err != nil || len(kept) != 0 || len(removed) != 5 {
		t.Fatalf("RemoveAll = %q, kept %q, %v", removed, kept, err)
	}
}
