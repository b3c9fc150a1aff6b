//go:build unix

package cache

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// tooOpen reports whether group or others have any access, which Open and Get tighten away: entries hold
// tokens and refresh state.
func tooOpen(mode fs.FileMode) bool { return mode.Perm()&0o077 != 0 }

// checkWritable asks the kernel whether this process may create files in dir, so Open can degrade up front
// instead of failing at the first Put.
func checkWritable(dir string) error { return unix.Access(dir, unix.W_OK|unix.X_OK) }

// syncDir makes a rename in dir durable: without it a power loss can forget the new entry.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// rename replaces newpath with oldpath atomically.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
