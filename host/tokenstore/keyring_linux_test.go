package tokenstore

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestKeyringReal stores, reads back and deletes a data key in this machine's kernel keyring.
func TestKeyringReal(t *testing.T) {
	k := NewKeyring()
	if err := k.Probe(); err != nil {
		t.Skipf("keyctl does not work here: %v", err) // the seam test below covers this case
	}
	dir := t.TempDir()
	t.Cleanup(func() { _, _ = k.Delete(dir) })
	if _, err := k.Load(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Load before Create: %v, want ErrNoKey", err)
	}
	key := bytes.Repeat([]byte{0xA5}, keySize)
	got, err := k.Create(dir, key)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Create = %x, %v", got, err)
	}
	// A second creator (another process) keeps the first key.
	if got, err := NewKeyring().Create(dir, bytes.Repeat([]byte{1}, keySize)); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("second Create = %x, %v; want the first key", got, err)
	}
	if got, err := NewKeyring().Load(dir); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Load in a new backend = %x, %v", got, err)
	}
	if !strings.Contains(k.Name(), "keyring (") {
		t.Errorf("Name %q does not say which keyring", k.Name())
	}
	if removed, err := k.Delete(dir); !removed || err != nil {
		t.Fatalf("Delete = %t, %v", removed, err)
	}
	if _, err := NewKeyring().Load(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Load after Delete: %v, want ErrNoKey", err)
	}
	if removed, err := k.Delete(dir); removed || err != nil {
		t.Fatalf("second Delete = %t, %v; want nothing removed", removed, err)
	}
}

// blockedKeyctl fails every call as Docker's default seccomp profile makes keyctl and add_key fail.
type blockedKeyctl struct{ calls int }

func (b *blockedKeyctl) userKeyring() (int, error)            { b.calls++; return 0, syscall.EPERM }
func (b *blockedKeyctl) link(int, int) error                  { b.calls++; return syscall.EPERM }
func (b *blockedKeyctl) persistent(int) (int, error)          { b.calls++; return 0, syscall.EPERM }
func (b *blockedKeyctl) search(int, string) (int, error)      { b.calls++; return 0, syscall.EPERM }
func (b *blockedKeyctl) read(int, []byte) (int, error)        { b.calls++; return 0, syscall.EPERM }
func (b *blockedKeyctl) add(string, []byte, int) (int, error) { b.calls++; return 0, syscall.EPERM }
func (b *blockedKeyctl) invalidate(int) error                 { b.calls++; return syscall.EPERM }

// TestKeyringBlocked: with keyctl blocked the backend's probe fails once with a reason a user acts on, and
// auto falls back to plaintext files with that reason while encrypted refuses.
func TestKeyringBlocked(t *testing.T) {
	b := &blockedKeyctl{}
	k := &Keyring{sys: b}
	err := k.Probe()
	if err == nil || !strings.Contains(err.Error(), "keyctl: operation not permitted; container runtimes such as Docker block it") {
		t.Fatalf("Probe = %v", err)
	}
	if _, err := k.Load("/d"); err == nil || errors.Is(err, ErrNoKey) {
		t.Errorf("Load = %v; want the probe's error, not a missing key", err)
	}
	if b.calls != 1 {
		t.Errorf("%d keyctl calls; the failed probe must be remembered", b.calls)
	}
	st, err := Open("/d", Choice{Mode: Auto, Source: "default"}, Requirement{}, k)
	if err != nil || st.Encrypted || !st.Fallback || !strings.Contains(st.Describe(), "operation not permitted") {
		t.Fatalf("auto with keyctl blocked: %+v, %v", st, err)
	}
	if _, err := Open("/d", Choice{Mode: Encrypted, Source: "--token-store"}, Requirement{}, k); err == nil {
		t.Fatal("encrypted with keyctl blocked must fail")
	}
}

// TestKeyringPersistentUnavailable: without persistent keyrings the user keyring holds the key.
func TestKeyringPersistentUnavailable(t *testing.T) {
	k := &Keyring{sys: &noPersistent{}}
	if err := k.Probe(); err != nil || k.ring != 42 || !strings.Contains(k.Name(), "user keyring") {
		t.Fatalf("Probe = %v, ring %d, name %q", err, k.ring, k.Name())
	}
}

type noPersistent struct{ blockedKeyctl }

func (*noPersistent) userKeyring() (int, error)   { return 42, nil }
func (*noPersistent) link(int, int) error         { return nil }
func (*noPersistent) persistent(int) (int, error) { return 0, syscall.EOPNOTSUPP }
