package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRewriteAfterCheckDoesNotRun is the race the policy had: the approved file is rewritten in place (same
// inode, as anyone who can write it could) after Open checked it and before Command executes it. What runs
// must be what was hashed.
func TestRewriteAfterCheckDoesNotRun(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubelogin-provider-x")
	approvedScript := "#!/bin/sh\necho approved\n"
	if err := os.WriteFile(bin, []byte(approvedScript), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(approvedScript))
	f, err := Open(Provider{Mode: "x", Path: bin, SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// The window between the check and the exec.
	w, err := os.OpenFile(bin, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("#!/bin/sh\necho tampered\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Not even a writer that reaches the copy itself can change it: it is sealed.
	cw, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), os.O_WRONLY, 0)
	if err == nil {
		_, err = cw.WriteAt([]byte("#!/bin/sh\necho sealed?\n"), 0)
		cw.Close()
	}
	if !errors.Is(err, unix.EPERM) {
		t.Fatalf("writing to the sealed copy: %v, want EPERM", err)
	}

	out, err := Command(f, bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "approved\n" {
		t.Fatalf("the executed program printed %q: it is not the program that was hashed", out)
	}
}
