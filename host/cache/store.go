package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/privfile"
)

// Get returns the entry stored for k, usable or not (an expired entry still carries the provider state
// needed to refresh silently). A missing entry is a quiet miss; a corrupt, truncated, foreign, wrong-version
// or unreadable one is a miss plus one warning, so a bad file costs one sign-in, never a failure.
// Entry files readable by others are tightened to 0600.
func (c *Cache) Get(k Key) (*Entry, bool) {
	if !c.enabled {
		return nil, false
	}
	id := k.ID()
	path := c.entryPath(id)
	e, err := readEntry(path, id)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warnOnce(path, fmt.Sprintf("ignoring token cache entry %s: %v; it will be replaced at the next sign-in", path, err))
		}
		return nil, false
	}
	return e, true
}

// readEntry reads and validates the entry file at path for key id. The file is opened without following a
// link or blocking on a FIFO, and used only if it is our own regular file (privfile).
func readEntry(path, id string) (*Entry, error) {
	f, err := privfile.Open(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case fi.Size() > maxEntrySize:
		return nil, fmt.Errorf("it is larger than %d bytes", maxEntrySize)
	case tooOpen(fi.Mode()):
		if err := f.Chmod(0o600); err != nil {
			return nil, fmt.Errorf("it is readable by other users and cannot be made private: %w", err)
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxEntrySize))
	if err != nil {
		return nil, err
	}
	return decodeEntry(data, id)
}

// Put stores e under k atomically (temp file in the same directory, fsync, rename, fsync of the directory),
// so a crash at any point leaves the previous entry or the new one, never a mix. The descriptive fields and
// ID are taken from k; e itself is not modified. On failure the caller warns and carries on: the token it
// already has is still good. An entry larger than Get would read is refused, not written. Put also sweeps
// temp files that crashed writers left behind.
func (c *Cache) Put(k Key, e *Entry) error {
	if !c.enabled {
		return nil
	}
	now := time.Now()
	path := c.entryPath(k.ID())
	data, err := encodeEntry(k, e, now)
	if err != nil {
		return fmt.Errorf("writing token cache entry %s: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("writing token cache entry %s: %w", path, err)
	}
	c.sweepTemps(now)
	return nil
}

// Delete removes the entry for k, for example when the provider reports that its refresh state was revoked
// (invalid_grant). The lock file stays: removing it could let two processes hold "the" lock at once.
func (c *Cache) Delete(k Key) error {
	if !c.enabled {
		return nil
	}
	path := c.entryPath(k.ID())
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing token cache entry %s: %w", path, err)
	}
	return nil
}

// List returns every readable entry, for `kubelogin status`; bad files are skipped with a warning.
// Callers must not print AccessToken or State.
func (c *Cache) List() ([]Entry, error) {
	if !c.enabled {
		return nil, nil
	}
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("listing token cache %s: %w", c.dir, err)
	}
	var entries []Entry
	for _, de := range des {
		id, ok := entryID(de.Name())
		if !ok {
			continue
		}
		path := filepath.Join(c.dir, de.Name())
		e, err := readEntry(path, id)
		switch {
		case err == nil:
			entries = append(entries, *e)
		case !errors.Is(err, fs.ErrNotExist): // a concurrent Delete is not worth a warning
			c.warnOnce(path, fmt.Sprintf("skipping token cache entry %s: %v", path, err))
		}
	}
	return entries, nil
}
