package tokenstore

import (
	"fmt"

	"github.com/kubelogin-dev/kubelogin/host/cache"
)

// Store is the decision for one cache directory: how tokens are kept and why, for get-token, status and
// remove-tokens.
type Store struct {
	Choice Choice
	// Encrypted is true when entries are sealed with a key the OS keeps.
	Encrypted bool
	// Backend says where the data key is ("the Linux kernel keyring (persistent keyring)"), or the
	// at-rest form when nothing is encrypted ("plaintext files (0600)", "nothing stored").
	Backend string
	// Why says why this store is in use, for status and the fallback notice.
	Why string
	// Fallback is set when encryption was wanted (auto) but plaintext is used.
	Fallback bool

	keys   KeyBackend
	sealer *Sealer
}

// Requirement is what a provider policy demands of the token store.
type Requirement struct {
	// By names what requires encryption ("the provider policy /etc/kubelogin/policy.yaml"); "" when
	// nothing does.
	By string
}

// Open decides how tokens are kept in the cache directory dir. It fails only where the user or the policy
// demands encryption that cannot be had, with one line that says what to do; auto falls back to plaintext
// files instead (Fallback, Why). It makes at most a few cheap calls to keys (for the keyring: three
// system calls), so it runs on every get-token.
func Open(dir string, c Choice, req Requirement, keys KeyBackend) (*Store, error) {
	s := &Store{Choice: c, keys: keys}
	if req.By != "" && c.Mode == File {
		return nil, fmt.Errorf("%s requires encrypted token storage, so %s is not allowed: remove it, or use none to store nothing", req.By, c)
	}
	switch c.Mode {
	case None:
		s.Backend, s.Why = "nothing stored", "chosen with "+c.String()
		return s, nil
	case File:
		s.Backend, s.Why = "plaintext files (0600)", "chosen with "+c.String()
		return s, nil
	}
	if err := keys.Probe(); err != nil {
		switch {
		case req.By != "":
			return nil, fmt.Errorf("%s requires encrypted token storage, but %v: make the OS key store available, or use --token-store=none to store nothing", req.By, err)
		case c.Mode == Encrypted:
			return nil, fmt.Errorf("%s cannot be honoured: %v; make the OS key store available, or choose --token-store=auto (falls back to 0600 files) or none", c, err)
		}
		s.Backend, s.Why, s.Fallback = "plaintext files (0600)", err.Error(), true
		return s, nil
	}
	s.Encrypted, s.Backend, s.sealer = true, keys.Name(), NewSealer(keys, dir)
	s.Why = "chosen with " + c.String()
	if req.By != "" {
		s.Why = "required by " + req.By
	}
	return s, nil
}

// Stores reports whether anything is cached at all (false for none).
func (s *Store) Stores() bool { return s.Choice.Mode != None }

// Sealer is the sealer for the cache and the PoP key, nil when tokens are stored in plaintext.
func (s *Store) Sealer() *Sealer { return s.sealer }

// CacheOptions configure cache.Open for this store: seal entries (in auto mode, falling back to plaintext
// when sealing fails), or show the fallback notice once per directory.
func (s *Store) CacheOptions() []cache.Option {
	switch {
	case s.sealer != nil:
		return []cache.Option{cache.Sealed(s.sealer, s.Choice.Mode == Auto)}
	case s.Fallback:
		return []cache.Option{cache.PlaintextNotice(s.Why)}
	}
	return nil
}

// Describe is the one-line summary `kubelogin status` shows.
func (s *Store) Describe() string {
	if s.Encrypted {
		return fmt.Sprintf("encrypted (AES-256-GCM), key in %s; %s", s.Backend, s.Why)
	}
	if s.Fallback {
		return fmt.Sprintf("%s, not encrypted: %s", s.Backend, s.Why)
	}
	return fmt.Sprintf("%s; %s", s.Backend, s.Why)
}

// HasKey reports whether the data key exists, for status; it never creates one.
func (s *Store) HasKey(dir string) bool {
	if !s.Encrypted {
		return false
	}
	k, err := s.keys.Load(dir)
	clear(k)
	return err == nil
}

// RemoveKey deletes dir's data key from the OS key store (remove-tokens). It reports what it removed in
// words, "" when there was nothing. In file and none modes the OS key store is left alone.
func RemoveKey(dir string, c Choice, keys KeyBackend) (string, error) {
	if c.Mode == File || c.Mode == None {
		return "", nil
	}
	if err := keys.Probe(); err != nil {
		return "", nil // no key store, so no key to remove
	}
	removed, err := keys.Delete(dir)
	if err != nil || !removed {
		return "", err
	}
	return "the token cache key in " + keys.Name(), nil
}
