// Package privfile opens the files kubelogin keeps in a private directory (token cache entries, lock files,
// the PoP key) so that nothing another user planted there is followed or trusted: a directory must belong
// to the effective user and not be a symbolic link; a file is opened without following a final symbolic
// link and without blocking (a FIFO cannot hang the caller), then checked on the open descriptor to be a
// regular file owned by the effective user before any byte is read, written or its mode changed.
//
// This matters when a privileged process runs with another user's home (sudo keeping HOME, root containers
// with a mounted home): a planted <id>.json or <id>.lock link must not make it chmod or overwrite the
// target.
package privfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Errors callers can test for with errors.Is; their text completes "<path>: ".
var (
	ErrSymlink    = errors.New("it is a symbolic link")
	ErrNotRegular = errors.New("it is not a regular file")
	ErrNotDir     = errors.New("it is not a directory")
	ErrForeign    = errors.New("it belongs to another user")
)

// Open opens path with flag (os.O_RDONLY, os.O_RDWR|os.O_CREATE, ...) and perm for a created file, without
// following a symbolic link at path and without blocking on a FIFO or device, and returns the file only if
// it is a regular file owned by the effective user. Every refusal wraps one of the errors above.
func Open(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := openNoFollow(path, flag, perm)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(f, fs.ModeType); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// OpenDir opens the directory path, which must be a directory owned by the effective user and not a
// symbolic link, so the caller can change its mode through the descriptor.
func OpenDir(path string) (*os.File, error) {
	d, err := openDirNoFollow(path)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(d, fs.ModeDir); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// checkOpen checks the open file's type (want: 0 for a regular file, fs.ModeDir) and owner.
func checkOpen(f *os.File, want fs.FileMode) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	switch t := fi.Mode().Type(); {
	case want == fs.ModeDir && t != fs.ModeDir:
		return ErrNotDir
	case want != fs.ModeDir && t != 0:
		return ErrNotRegular
	}
	return checkOwner(fi)
}

// foreign describes an owner mismatch.
func foreign(owner, me int) error {
	return fmt.Errorf("%w (uid %d), not to you (uid %d)", ErrForeign, owner, me)
}
