package cache

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/kubelogin-dev/kubelogin/host/privfile"
)

// Cache is an opened cache directory. A disabled Cache (see Open) turns every operation into a harmless
// no-op, so callers need no second code path when storage is unavailable. Safe for concurrent use.
type Cache struct {
	dir     string
	enabled bool
	warn    func(string)

	sealer   Sealer // nil: entries are plaintext
	fallback bool   // a failed Seal writes plaintext (with the notice) instead of nothing
	notice   string // why entries are plaintext although encryption was wanted; "" when chosen

	mu     sync.Mutex
	warned map[string]bool // paths already warned about, so one bad file yields one line per process
}

// Sealer encrypts entry files at rest (host/tokenstore holds the key). name binds a sealed blob to the
// file it is stored in.
type Sealer interface {
	Seal(plain []byte, name string) ([]byte, error)
	// Open decrypts; an error wrapping ErrKeyLost means the key that sealed the blob is gone.
	Open(sealed []byte, name string) ([]byte, error)
}

// ErrKeyLost marks an entry sealed with a data key the OS no longer keeps (a reboot emptied the kernel
// keyring, another user, a copied cache): a clean miss, replaced at the next sign-in.
var ErrKeyLost = errors.New("the key it was encrypted with is gone")

// Option configures Open.
type Option func(*Cache)

// Sealed makes Put encrypt entries with s and Get decrypt them. Plaintext entries are still read, and Get
// rewrites them encrypted (once). With fallback, a Put whose sealing fails writes plaintext with the
// plaintext notice instead of not caching.
func Sealed(s Sealer, fallback bool) Option {
	return func(c *Cache) { c.sealer, c.fallback = s, fallback }
}

// PlaintextNotice marks a cache that stores plaintext although encryption was wanted, because of why: the
// first plaintext write in the directory says so, once per directory (a marker file remembers).
func PlaintextNotice(why string) Option {
	return func(c *Cache) { c.notice = why }
}

// Open prepares dir for use and never fails: get-token must work without a cache (Azure/kubelogin#642,
// #762). It creates dir with mode 0700, checks that dir is a directory owned by the effective user and not
// a symbolic link (a privileged process run with another user's home must not use, or damage, that user's
// cache), tightens a looser mode, and checks that it can write there. On any problem it returns a disabled
// Cache and calls warn once with a one-line message saying what is wrong and how to fix it. warn may be nil.
//
// Open does only a few metadata system calls, because it runs on every kubectl invocation.
func Open(dir string, warn func(msg string), opts ...Option) *Cache {
	if warn == nil {
		warn = func(string) {}
	}
	c := &Cache{dir: dir, warn: warn, warned: map[string]bool{}}
	for _, o := range opts {
		o(c)
	}
	if err := prepareDir(dir); err != nil {
		warn(fmt.Sprintf("token cache disabled: %v; set --cache-dir or %s to a directory you own and can write", err, EnvCacheDir))
		return c
	}
	c.enabled = true
	return c
}

// Enabled reports whether the cache stores anything, for `kubelogin status` and for callers that want to
// say why every call signs in again.
func (c *Cache) Enabled() bool { return c.enabled }

// Dir is the cache directory, for status and removal messages.
func (c *Cache) Dir() string { return c.dir }

// Encrypted reports whether Put seals entries.
func (c *Cache) Encrypted() bool { return c.sealer != nil }

// prepareDir makes dir a private, writable directory.
func prepareDir(dir string) error {
	if dir == "" {
		return errors.New("no cache directory was given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	d, err := privfile.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("%s cannot be used: %w", dir, err)
	}
	defer d.Close()
	fi, err := d.Stat()
	if err != nil {
		return err
	}
	if err := restrictDir(dir); err != nil {
		return fmt.Errorf("%s cannot be made private to you: %w", dir, err)
	}
	if tooOpen(fi.Mode()) {
		if err := d.Chmod(0o700); err != nil {
			return fmt.Errorf("%s is accessible to other users (mode %04o) and cannot be made private: %w", dir, fi.Mode().Perm(), err)
		}
	}
	if err := checkWritable(dir); err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	return nil
}

// warnOnce reports a problem with path at most once per Cache, so the re-read after taking a lock does not
// repeat a warning the first read already gave.
func (c *Cache) warnOnce(path, msg string) {
	c.mu.Lock()
	seen := c.warned[path]
	c.warned[path] = true
	c.mu.Unlock()
	if !seen {
		c.warn(msg)
	}
}
