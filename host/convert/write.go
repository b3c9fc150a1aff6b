package convert

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// lockFiles takes client-go's lock on each path (path+".lock", created
// exclusively, as kubectl config does) in a fixed order, waiting up to
// timeout for each. unlock removes them.
func lockFiles(paths []string, timeout time.Duration) (unlock func(), err error) {
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	var held []string
	unlock = func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = os.Remove(held[i] + ".lock")
		}
	}
	for _, p := range sorted {
		if err := lockFile(p, timeout); err != nil {
			unlock()
			return nil, err
		}
		held = append(held, p)
	}
	return unlock, nil
}

func lockFile(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_EXCL, 0)
		if err == nil {
			return f.Close()
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cannot lock kubeconfig %s: %w: check that its directory is writable", path, unwrapPath(err))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kubeconfig %s is locked by another process (%s.lock exists): retry, or delete the lock file if no kubectl or kubelogin is running", path, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// staged is a new file content written next to its target, not yet in place.
type staged struct {
	path        string // as the user named it
	target, tmp string
	data        []byte
	mode, was   fs.FileMode // the mode it gets, and the one it had
}

// rename is os.Rename; tests make it fail as it does on a bind mount.
var rename = os.Rename

// modeFor is the mode a kubeconfig keeps, without group and other access
// when a secret is added to it.
func modeFor(perm fs.FileMode, private bool) fs.FileMode {
	if private {
		return perm & 0o600
	}
	return perm
}

// stage writes data to a temporary file beside the kubeconfig (symlinks
// followed, so a linked kubeconfig stays a link), with the original's mode
// (made private when it gets a secret) and, where possible, owner. Nothing
// is visible until commit.
func stage(path string, data []byte, private bool) (*staged, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w", path, unwrapPath(err))
	}
	info, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w", path, unwrapPath(err))
	}
	// A rename would replace a read-only file regardless of its mode, so
	// honour the mode explicitly, even for root.
	if info.Mode().Perm()&0o222 == 0 {
		return nil, fmt.Errorf("kubeconfig %s is read-only (mode %04o): make it writable or use --dry-run", path, info.Mode().Perm())
	}
	if w, err := os.OpenFile(target, os.O_WRONLY, 0); err != nil {
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w: make it writable or use --dry-run", path, unwrapPath(err))
	} else if err := w.Close(); err != nil {
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".kubelogin-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w: make its directory writable or use --dry-run", path, unwrapPath(err))
	}
	s := &staged{path: path, target: target, tmp: tmp.Name(), data: data, was: info.Mode().Perm(), mode: modeFor(info.Mode().Perm(), private)}
	err = tmp.Chmod(s.mode)
	if err == nil {
		keepOwner(tmp, info)
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.abort()
		return nil, fmt.Errorf("cannot write kubeconfig %s: %w", path, err)
	}
	return s, nil
}

// commit renames the staged file over the kubeconfig. Where the kubeconfig
// cannot be renamed over (a bind-mounted file, `docker -v
// ~/.kube/config:...`, is EBUSY; another file system is EXDEV) it is
// written in place, as kubectl config does.
func (s *staged) commit() error {
	err := rename(s.tmp, s.target)
	if errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EXDEV) {
		if werr := s.writeInPlace(); werr != nil {
			return fmt.Errorf("cannot replace kubeconfig %s (rename: %v), nor write it in place: %w", s.target, linkErr(err), werr)
		}
		return nil
	}
	if err != nil {
		s.abort()
		return fmt.Errorf("cannot replace kubeconfig %s: %w", s.target, err)
	}
	if d, err := os.Open(filepath.Dir(s.target)); err == nil {
		_ = d.Sync() // make the rename durable where the OS allows it
		_ = d.Close()
	}
	return nil
}

// writeInPlace truncates the kubeconfig and writes the new content through
// its own inode, under the lock. The staged copy is read back and compared
// first, so only content that reached the disk intact and was verified
// (render) is written. This is not atomic: a crash between truncate and
// fsync leaves a short file, which is why it is only the fallback.
func (s *staged) writeInPlace() error {
	defer s.abort()
	got, err := os.ReadFile(s.tmp)
	if err != nil {
		return fmt.Errorf("reading back the staged copy: %w", unwrapPath(err))
	}
	if !bytes.Equal(got, s.data) {
		return errors.New("the staged copy does not read back as written")
	}
	f, err := os.OpenFile(s.target, os.O_WRONLY, 0)
	if err != nil {
		return unwrapPath(err)
	}
	if s.mode != s.was {
		err = f.Chmod(s.mode)
	}
	if err == nil {
		err = f.Truncate(0)
	}
	if err == nil {
		_, err = f.WriteAt(s.data, 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *staged) abort() { _ = os.Remove(s.tmp) }

// linkErr drops the *LinkError wrapper of a rename, whose paths are a
// temporary file's.
func linkErr(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
