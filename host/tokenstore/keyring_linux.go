package tokenstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/privfile"
)

// keyctl is the part of keyctl(2) the keyring backend uses; tests replace it to block the system calls as
// Docker's default seccomp profile does.
type keyctl interface {
	userKeyring() (int, error)
	link(keyring, into int) error
	persistent(linkInto int) (int, error)
	search(keyring int, desc string) (int, error)
	read(key int, buf []byte) (int, error)
	add(desc string, payload []byte, keyring int) (int, error)
	invalidate(key int) error
}

// sysKeyctl makes the real system calls.
type sysKeyctl struct{}

func (sysKeyctl) userKeyring() (int, error) {
	return unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true)
}
func (sysKeyctl) link(keyring, into int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_LINK, keyring, into, 0, 0)
	return err
}
func (sysKeyctl) persistent(linkInto int) (int, error) {
	return unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, linkInto, 0, 0)
}
func (sysKeyctl) search(keyring int, desc string) (int, error) {
	return unix.KeyctlSearch(keyring, "user", desc, 0)
}
func (sysKeyctl) read(key int, buf []byte) (int, error) {
	return unix.KeyctlBuffer(unix.KEYCTL_READ, key, buf, 0)
}
func (sysKeyctl) add(desc string, payload []byte, keyring int) (int, error) {
	return unix.AddKey("user", desc, payload, keyring)
}
func (sysKeyctl) invalidate(key int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, key, 0, 0, 0)
	return err
}

// Keyring keeps data keys in the Linux kernel keyring.
type Keyring struct {
	sys keyctl

	once     sync.Once
	ring     int
	ringName string
	err      error
}

// NewKeyring returns the kernel keyring backend.
func NewKeyring() *Keyring { return &Keyring{sys: sysKeyctl{}} }

// Name implements KeyBackend.
func (k *Keyring) Name() string {
	if k.ringName == "" {
		return "the Linux kernel keyring"
	}
	return "the Linux kernel keyring (" + k.ringName + ")"
}

// Probe finds the keyring to use: three system calls, made once per process.
func (k *Keyring) Probe() error {
	k.once.Do(func() { k.ring, k.ringName, k.err = k.open() })
	return k.err
}

// open links the user keyring into the session keyring (so keys found through it are possessed, and
// readable: user keys grant read to their possessor only), then asks for the persistent keyring, which
// the kernel links into the user keyring. Without persistent keyrings (EOPNOTSUPP, or a kernel built
// without them) the user keyring itself holds the keys.
func (k *Keyring) open() (int, string, error) {
	user, err := k.sys.userKeyring()
	if err != nil {
		return 0, "", unavailable(err)
	}
	if err := k.sys.link(user, unix.KEY_SPEC_SESSION_KEYRING); err != nil {
		return 0, "", unavailable(err)
	}
	if p, err := k.sys.persistent(user); err == nil {
		return p, "persistent keyring", nil
	}
	return user, "user keyring", nil
}

// unavailable words a keyctl failure for users; EPERM and ENOSYS are what seccomp filters return.
func unavailable(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("the Linux kernel keyring is unavailable (keyctl: %v; container runtimes such as Docker block it by default)", err)
	}
	return fmt.Errorf("the Linux kernel keyring is unavailable (keyctl: %v)", err)
}

// Load implements KeyBackend: one search and one read.
func (k *Keyring) Load(dir string) ([]byte, error) {
	if err := k.Probe(); err != nil {
		return nil, err
	}
	id, err := k.sys.search(k.ring, keyName(dir))
	if err != nil {
		if gone(err) {
			return nil, fmt.Errorf("%w in %s", ErrNoKey, k.Name())
		}
		return nil, fmt.Errorf("reading the token cache key from %s: %w", k.Name(), err)
	}
	buf := make([]byte, keySize+1)
	n, err := k.sys.read(id, buf)
	switch {
	case gone(err):
		return nil, fmt.Errorf("%w in %s", ErrNoKey, k.Name())
	case err != nil:
		return nil, fmt.Errorf("reading the token cache key from %s: %w", k.Name(), err)
	case n != keySize:
		clear(buf)
		return nil, fmt.Errorf("%w: the key in %s has %d bytes", ErrNoKey, k.Name(), n)
	}
	return buf[:keySize], nil
}

// gone reports keyctl's ways of saying the key is not there (any more).
func gone(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED)
}

// Create implements KeyBackend. add_key replaces a key of the same description, so creation is serialised
// with a lock file in the cache directory: the second of two first writers finds the first one's key.
func (k *Keyring) Create(dir string, key []byte) ([]byte, error) {
	if err := k.Probe(); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if existing, err := k.Load(dir); err == nil {
		return existing, nil
	}
	if _, err := k.sys.add(keyName(dir), key, k.ring); err != nil {
		return nil, fmt.Errorf("storing the token cache key in %s: %w", k.Name(), err)
	}
	return k.Load(dir)
}

// Delete implements KeyBackend: the key is invalidated, which removes it from every keyring at once.
func (k *Keyring) Delete(dir string) (bool, error) {
	if err := k.Probe(); err != nil {
		return false, err
	}
	id, err := k.sys.search(k.ring, keyName(dir))
	if gone(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("finding the token cache key in %s: %w", k.Name(), err)
	}
	if err := k.sys.invalidate(id); err != nil {
		return false, fmt.Errorf("removing the token cache key from %s: %w", k.Name(), err)
	}
	return true, nil
}

// lockDir takes the cache directory's key-creation lock. The wait is bounded: a holder needs microseconds,
// and past the bound creating without the lock risks only one extra sign-in.
func lockDir(dir string) (func(), error) {
	f, err := privfile.Open(filepath.Join(dir, cache.KeyLockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the token cache key lock: %w", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil || !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() { _ = f.Close() }, nil
}
