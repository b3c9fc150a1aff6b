//go:build !unix

package privfile

import (
	"io/fs"
	"os"
)

// Windows has no O_NOFOLLOW or O_NONBLOCK: the path is checked with Lstat before the open and the opened
// file is checked to be the one Lstat saw, so a link swapped in between is refused. Ownership is left to the
// directory's ACL (the profile directory is private to its user).
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	before, err := os.Lstat(path)
	switch {
	case err == nil && before.Mode()&fs.ModeSymlink != 0:
		return nil, ErrSymlink
	case err == nil && !before.Mode().IsRegular():
		return nil, ErrNotRegular
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	if after, serr := os.Lstat(path); serr != nil || after.Mode()&fs.ModeSymlink != 0 || (before != nil && !os.SameFile(before, after)) {
		f.Close()
		return nil, ErrSymlink
	}
	return f, nil
}

func openDirNoFollow(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, ErrSymlink
	}
	return os.Open(path)
}

func checkOwner(fs.FileInfo) error { return nil }
