//go:build unix

package privfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("victim"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		flag int
		want error
	}{
		{"symlink read", link, os.O_RDONLY, ErrSymlink},
		{"symlink create", link, os.O_RDWR | os.O_CREATE, ErrSymlink},
		{"fifo read", fifo, os.O_RDONLY, ErrNotRegular},
		{"fifo read-write", fifo, os.O_RDWR | os.O_CREATE, ErrNotRegular},
		{"directory", dir, os.O_RDONLY, ErrNotRegular},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A FIFO without a writer would block a plain open forever; O_NONBLOCK returns at once.
			f, err := Open(tt.path, tt.flag, 0o600)
			if err == nil {
				f.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(target); string(b) != "victim" {
		t.Fatalf("the link target changed: %q", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Fatalf("the link target's mode changed: %v", fi.Mode())
	}

	f, err := Open(filepath.Join(dir, "new"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("a new regular file of ours: %v", err)
	}
	f.Close()
}

func TestOpenDirRefuses(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]error{link: ErrSymlink, file: ErrNotDir} {
		if d, err := OpenDir(path); !errors.Is(err, want) {
			if d != nil {
				d.Close()
			}
			t.Errorf("OpenDir(%s) = %v, want %v", filepath.Base(path), err, want)
		}
	}
	d, err := OpenDir(real)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
}

// TestForeignOwner checks the owner rule through the seam, so it runs without a second account; the
// cache's tests repeat it with a real second uid.
func TestForeignOwner(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "entry")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	me := currentUID()
	currentUID = func() int { return me + 1 }
	t.Cleanup(func() { currentUID = os.Geteuid })
	if f, err := Open(file, os.O_RDONLY, 0); !errors.Is(err, ErrForeign) {
		if f != nil {
			f.Close()
		}
		t.Fatalf("Open of a file owned by another uid = %v, want ErrForeign", err)
	}
	if d, err := OpenDir(dir); !errors.Is(err, ErrForeign) {
		if d != nil {
			d.Close()
		}
		t.Fatalf("OpenDir of a directory owned by another uid = %v, want ErrForeign", err)
	}
}
