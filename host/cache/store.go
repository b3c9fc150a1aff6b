package cache

import (
	"bytes"
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
// or unreadable one is a miss plus one warning, so a bad file costs one sign-in, never a failure; so is an
// encrypted entry whose key is gone. Entry files readable by others are tightened to 0600. With a Sealer,
// a plaintext entry is rewritten encrypted.
func (c *Cache) Get(k Key) (*Entry, bool) {
	if !c.enabled {
		return nil, false
	}
	id := k.ID()
	path := c.entryPath(id)
	raw, err := readFile(path)
	var e *Entry
	plaintext := false
	if err == nil {
		e, plaintext, err = c.decode(raw, id)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false
	case errors.Is(err, ErrKeyLost):
		c.warnOnce(path, fmt.Sprintf("signing in again: the cached sign-in %s cannot be decrypted: %v (the kernel keyring is emptied at reboot)", path, err))
		return nil, false
	case err != nil:
		c.warnOnce(path, fmt.Sprintf("ignoring token cache entry %s: %v; it will be replaced at the next sign-in", path, err))
		return nil, false
	}
	if plaintext && c.sealer != nil {
		c.migrate(id, path, raw)
	}
	return e, true
}

// readFile reads the entry file at path. The file is opened without following a link or blocking on a
// FIFO, and used only if it is our own regular file (privfile).
func readFile(path string) ([]byte, error) {
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
	return io.ReadAll(io.LimitReader(f, maxEntrySize))
}

// decode parses an entry file's contents, decrypting an encrypted one; plaintext reports the unencrypted
// format.
func (c *Cache) decode(data []byte, id string) (e *Entry, plaintext bool, err error) {
	if !bytes.HasPrefix(data, sealedPrefix) {
		e, err = decodeEntry(data, id)
		return e, true, err
	}
	if c.sealer == nil {
		return nil, false, errors.New("the entry is encrypted, and the token store in use (--token-store=file, or no OS key store) cannot read it")
	}
	sealed, err := decodeSealed(data, id)
	if err != nil {
		return nil, false, err
	}
	plain, err := c.sealer.Open(sealed, id)
	if err != nil {
		return nil, false, err
	}
	e, err = decodeEntry(plain, id)
	return e, false, err
}

// migrate rewrites the plaintext entry raw encrypted, best effort: only if the key's lock is free right
// now (a holder is refreshing and will write encrypted anyway) and the file still holds raw, so a newer
// entry is never replaced by an older one.
func (c *Cache) migrate(id, path string, raw []byte) {
	f, err := privfile.Open(c.lockPath(id), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	if ok, err := tryLock(f); err != nil || !ok {
		return
	}
	defer unlockFile(f)
	if cur, err := readFile(path); err != nil || !bytes.Equal(cur, raw) {
		return
	}
	sealed, err := c.sealer.Seal(raw, id)
	if err != nil {
		return
	}
	data, err := encodeSealed(id, sealed)
	if err == nil && writeAtomic(path, data) == nil {
		c.clearNotice()
	}
}

// Put stores e under k atomically (temp file in the same directory, fsync, rename, fsync of the directory),
// so a crash at any point leaves the previous entry or the new one, never a mix. The descriptive fields and
// ID are taken from k; e itself is not modified. On failure the caller warns and carries on: the token it
// already has is still good. An entry larger than Get would read is refused, not written. Put also sweeps
// temp files that crashed writers left behind. With a Sealer the entry is written encrypted; a plaintext
// write that was not chosen shows the plaintext notice, once per directory.
func (c *Cache) Put(k Key, e *Entry) error {
	if !c.enabled {
		return nil
	}
	now := time.Now()
	id := k.ID()
	path := c.entryPath(id)
	data, err := encodeEntry(k, e, now)
	if err == nil {
		data, err = c.seal(data, id)
	}
	if err != nil {
		return fmt.Errorf("writing token cache entry %s: %w", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("writing token cache entry %s: %w", path, err)
	}
	c.sweepTemps(now)
	return nil
}

// seal encrypts an encoded entry when the cache has a Sealer. A plaintext result that was not chosen (no
// OS key store; or sealing failed in auto mode) triggers the notice.
func (c *Cache) seal(data []byte, id string) ([]byte, error) {
	if c.sealer == nil {
		c.noticeOnce(c.notice)
		return data, nil
	}
	sealed, err := c.sealer.Seal(data, id)
	if err != nil {
		if !c.fallback {
			return nil, err
		}
		c.noticeOnce(err.Error())
		return data, nil
	}
	c.clearNotice()
	return encodeSealed(id, sealed)
}

// noticeOnce tells the user, once per cache directory, that tokens are stored unencrypted and why. The
// marker file is created exclusively, so of many concurrent first writers one speaks.
func (c *Cache) noticeOnce(why string) {
	if why == "" {
		return
	}
	f, err := privfile.Open(filepath.Join(c.dir, noticeFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return
	}
	if err == nil {
		_, _ = fmt.Fprintf(f, "tokens stored unencrypted since %s: %s\n", time.Now().UTC().Format(time.RFC3339), why)
		_ = f.Close()
	}
	c.warn(fmt.Sprintf("tokens in %s are stored unencrypted, in files only you can read, because %s. "+
		"This is shown once; `kubelogin status` shows it again, --token-store=file accepts it, --token-store=encrypted refuses it", c.dir, why))
}

// clearNotice forgets that the notice was shown once entries are encrypted again, so a later fallback is
// announced again.
func (c *Cache) clearNotice() { _ = os.Remove(filepath.Join(c.dir, noticeFile)) }

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

// List returns every readable entry, for `kubelogin status`; bad files are skipped with a warning, and
// entries whose key is gone are counted in one.
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
	lost := 0
	for _, de := range des {
		id, ok := entryID(de.Name())
		if !ok {
			continue
		}
		path := filepath.Join(c.dir, de.Name())
		raw, err := readFile(path)
		var e *Entry
		if err == nil {
			e, _, err = c.decode(raw, id)
		}
		switch {
		case err == nil:
			entries = append(entries, *e)
		case errors.Is(err, ErrKeyLost):
			lost++
		case !errors.Is(err, fs.ErrNotExist): // a concurrent Delete is not worth a warning
			c.warnOnce(path, fmt.Sprintf("skipping token cache entry %s: %v", path, err))
		}
	}
	if lost > 0 {
		c.warn(fmt.Sprintf("%d cached sign-ins in %s were encrypted with a key that is gone (the kernel keyring is emptied at reboot); each is replaced at its next sign-in", lost, c.dir))
	}
	return entries, nil
}
