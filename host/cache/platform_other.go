//go:build !unix

package cache

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// tooOpen is false where Unix permission bits do not exist (Windows reports fixed modes); the profile
// directory's ACLs protect the cache there.
func tooOpen(fs.FileMode) bool { return false }

// checkWritable is left to the first Put where there is no access(2); a failing Put is a warning.
func checkWritable(string) error { return nil }

// syncDir is a no-op: directories cannot be opened for syncing on Windows, and NTFS journals the rename.
func syncDir(string) error { return nil }

// rename retries briefly because Windows refuses to replace a file another process has open for reading
// at that instant (Azure/kubelogin#71, "Access is denied").
func rename(oldpath, newpath string) error {
	var err error
	for delay := 5 * time.Millisecond; delay <= 160*time.Millisecond; delay *= 2 {
		if err = os.Rename(oldpath, newpath); err == nil || !errors.Is(err, fs.ErrPermission) {
			return err
		}
		time.Sleep(delay)
	}
	return err
}
