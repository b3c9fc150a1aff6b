package tokenstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/privfile"
)

// Wrapped keeps a directory's data key in a file in that directory, wrapped (encrypted) by an OS function
// that only the same user can undo: DPAPI on Windows.
type Wrapped struct {
	name      string
	protect   func([]byte) ([]byte, error)
	unprotect func([]byte) ([]byte, error)
}

// maxWrappedKey bounds what Load reads: a DPAPI blob of 32 bytes is a few hundred.
const maxWrappedKey = 64 << 10

// Name implements KeyBackend.
func (w *Wrapped) Name() string { return w.name }

// Probe implements KeyBackend: wrapping needs nothing that could be missing.
func (w *Wrapped) Probe() error { return nil }

// Load implements KeyBackend. A file that does not unwrap (written by another user or on another machine)
// counts as no key: its entries are misses and the next Create replaces it.
func (w *Wrapped) Load(dir string) ([]byte, error) {
	path := filepath.Join(dir, cache.WrappedKeyFile)
	f, err := privfile.Open(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the token cache key %s: %w", path, err)
	}
	defer f.Close()
	blob, err := io.ReadAll(io.LimitReader(f, maxWrappedKey))
	if err != nil {
		return nil, fmt.Errorf("reading the token cache key %s: %w", path, err)
	}
	key, err := w.unprotect(blob)
	if err != nil || len(key) != keySize {
		clear(key)
		return nil, fmt.Errorf("%w: %s cannot be unwrapped by this user", ErrNoKey, path)
	}
	return key, nil
}

// Create implements KeyBackend. The wrapped key appears atomically and only if absent (hard link of a
// complete temp file); a loser of that race uses the winner's key, and an unusable file is replaced.
func (w *Wrapped) Create(dir string, key []byte) ([]byte, error) {
	blob, err := w.protect(key)
	if err != nil {
		return nil, fmt.Errorf("wrapping the token cache key with %s: %w", w.name, err)
	}
	path := filepath.Join(dir, cache.WrappedKeyFile)
	tmp, err := writeTemp(dir, cache.WrappedKeyFile, blob)
	if err != nil {
		return nil, fmt.Errorf("storing the token cache key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("storing the token cache key: %w", err)
		}
		if existing, err := w.Load(dir); err == nil {
			return existing, nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, fmt.Errorf("replacing the unusable token cache key %s: %w", path, err)
		}
	}
	return w.Load(dir)
}

// Delete implements KeyBackend.
func (w *Wrapped) Delete(dir string) (bool, error) {
	err := os.Remove(filepath.Join(dir, cache.WrappedKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// writeTemp writes data, synced and 0600, to a new temp file in dir named after base.
func writeTemp(dir, base string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
