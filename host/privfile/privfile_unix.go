//go:build unix

package privfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// currentUID is the owner every file must have; a variable so tests can check the refusal without a
// second account.
var currentUID = os.Geteuid

func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, perm)
	return f, symlinkError(err)
}

func openDirNoFollow(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOTDIR) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, ErrSymlink
		}
		return nil, ErrNotDir
	}
	return f, symlinkError(err)
}

// symlinkError turns O_NOFOLLOW's refusal (ELOOP; EMLINK on the BSDs) into ErrSymlink.
func symlinkError(err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) {
		return ErrSymlink
	}
	return err
}

func checkOwner(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if me := currentUID(); int(st.Uid) != me {
		return foreign(int(st.Uid), me)
	}
	return nil
}
