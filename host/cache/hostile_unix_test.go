//go:build unix

package cache

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// plantVictim makes a file outside the cache that a planted link points at, and returns a check that it is
// untouched: neither rewritten nor made private.
func plantVictim(t *testing.T) (path string, untouched func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func() {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "precious" {
			t.Errorf("the link target was changed: %q, %v", b, err)
		}
		if m := mode(t, path); m != 0o644 {
			t.Errorf("the link target's mode was changed to %04o", m)
		}
	}
}

func TestPlantedEntrySymlink(t *testing.T) {
	c, w := openTest(t, t.TempDir())
	victim, untouched := plantVictim(t)
	path := c.entryPath(testKey.ID())
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(testKey); ok {
		t.Fatal("Get followed a planted link")
	}
	if msgs := w.list(); len(msgs) != 1 || !strings.Contains(msgs[0], "symbolic link") {
		t.Fatalf("warnings %q, want one saying the entry is a symbolic link", msgs)
	}
	if l, err := c.List(); err != nil || len(l) != 0 {
		t.Fatalf("List = %v, %v; want nothing", l, err)
	}
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	untouched()
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("Put did not replace the link with an entry: %v", err)
	}
	if _, ok := c.Get(testKey); !ok {
		t.Fatal("Get missed the entry that replaced the link")
	}
}

func TestPlantedLockSymlink(t *testing.T) {
	c, _ := openTest(t, t.TempDir())
	victim, untouched := plantVictim(t)
	if err := os.Symlink(victim, c.lockPath(testKey.ID())); err != nil {
		t.Fatal(err)
	}
	unlock, err := c.Lock(t.Context(), testKey, func(int) { t.Error("waited on a planted link") })
	if err == nil {
		unlock()
		t.Fatal("Lock used a planted link")
	}
	if !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("error %q should say the lock file is a symbolic link", err)
	}
	untouched()
}

func TestFIFOsDoNotHang(t *testing.T) {
	c, w := openTest(t, t.TempDir())
	for _, p := range []string{c.entryPath(testKey.ID()), c.lockPath(testKey.ID())} {
		if err := unix.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A blocking open of a FIFO waits for a writer forever; each call below returns at once instead.
	if _, ok := c.Get(testKey); ok {
		t.Fatal("Get hit on a FIFO")
	}
	if l, err := c.List(); err != nil || len(l) != 0 {
		t.Fatalf("List = %v, %v; want nothing", l, err)
	}
	if msgs := w.list(); len(msgs) != 1 || !strings.Contains(msgs[0], "not a regular file") {
		t.Fatalf("warnings %q, want one saying the entry is not a regular file", msgs)
	}
	if unlock, err := c.Lock(t.Context(), testKey, nil); err == nil {
		unlock()
		t.Fatal("Lock used a FIFO")
	} else if !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Lock error %q should say the lock file is not a regular file", err)
	}
}

// TestForeignDirAsRoot is the reported case: root (sudo, a root container) with a user's cache directory
// must leave it alone rather than create root-owned files there that lock the user out of their cache.
func TestForeignDirAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the directory to another user; TestForeignDirOtherUID covers non-root")
	}
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	w := &warnings{}
	c := Open(dir, w.add)
	if c.Enabled() {
		t.Fatal("Open used a directory owned by another user")
	}
	msgs := w.list()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "another user (uid 65534)") || strings.Contains(msgs[0], "\n") {
		t.Fatalf("warnings %q, want one line naming the owner", msgs)
	}
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if des, _ := os.ReadDir(dir); len(des) != 0 {
		t.Fatalf("a disabled cache wrote %d files into the user's directory", len(des))
	}
}

// TestForeignDirOtherUID runs Open as a second uid (setpriv) on a world-writable directory it does not own:
// the owner check, not a permission error, must disable the cache.
func TestForeignDirOtherUID(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and setpriv to run as a second uid; TestForeignDirAsRoot and privfile's seam test cover the check")
	}
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} { // the other uid must reach the directory
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(base, "cache.test")
	copyExecutable(t, os.Args[0], bin)
	dir := filepath.Join(base, "cache")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // writable by the other uid, so only ownership can refuse it
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin)
	cmd.Env = append(os.Environ(), helperEnv+"=open", helperDirEnv+"="+dir, "GORACE=atexit_sleep_ms=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper as uid 65534: %v: %s", err, out.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "disabled: token cache disabled:") || !strings.Contains(got, "another user (uid 0), not to you (uid 65534)") {
		t.Fatalf("helper as uid 65534 said %q, want the cache disabled because uid 0 owns it", got)
	}
	if des, _ := os.ReadDir(dir); len(des) != 0 {
		t.Fatalf("the other uid wrote %d files into the directory", len(des))
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
