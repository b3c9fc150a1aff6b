package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleTempAge is how old a temp file must be before Put removes it. A write takes milliseconds, so older
// temps belong to writers that died; the wide margin tolerates clock skew on network file systems. If a
// live but stalled writer loses its temp, its rename fails and it only warns.
const staleTempAge = 10 * time.Minute

// writeAtomic replaces path with data so that readers see the old or the new contents, never a part.
// The temp file is created 0600 and is removed on every failure path.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, strings.TrimSuffix(filepath.Base(path), entrySuffix)+tempInfix+"*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = replace(tmp.Name(), path)
	}
	if err != nil {
		return errors.Join(err, removeIfExists(tmp.Name()))
	}
	return syncDir(dir)
}

// replace renames tmp over path. An empty directory squatting on the entry name is removed first, so a
// damaged cache heals itself at the next write.
func replace(tmp, path string) error {
	err := rename(tmp, path)
	if err == nil {
		return nil
	}
	if fi, serr := os.Lstat(path); serr != nil || !fi.IsDir() || os.Remove(path) != nil {
		return err
	}
	return rename(tmp, path)
}

// sweepTemps removes temp files older than staleTempAge. It is best effort: a temp that cannot be removed
// now is tried again at the next Put, and RemoveAll removes it in any case.
func (c *Cache) sweepTemps(now time.Time) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if !isTempName(de.Name()) {
			continue
		}
		if fi, err := de.Info(); err == nil && now.Sub(fi.ModTime()) > staleTempAge {
			_ = os.Remove(filepath.Join(c.dir, de.Name()))
		}
	}
}

// removeIfExists removes path; already gone counts as success.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
