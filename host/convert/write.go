package convert

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
	target, tmp string
}

// stage writes data to a temporary file beside the kubeconfig (symlinks
// followed, so a linked kubeconfig stays a link), with the original's mode
// and, where possible, owner. Nothing is visible until commit.
func stage(path string, data []byte) (*staged, error) {
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
	s := &staged{target: target, tmp: tmp.Name()}
	err = tmp.Chmod(info.Mode().Perm())
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

// commit renames the staged file over the kubeconfig.
func (s *staged) commit() error {
	if err := os.Rename(s.tmp, s.target); err != nil {
		s.abort()
		return fmt.Errorf("cannot replace kubeconfig %s: %w", s.target, err)
	}
	if d, err := os.Open(filepath.Dir(s.target)); err == nil {
		_ = d.Sync() // make the rename durable where the OS allows it
		_ = d.Close()
	}
	return nil
}

func (s *staged) abort() { _ = os.Remove(s.tmp) }
