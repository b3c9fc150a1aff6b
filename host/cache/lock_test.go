package cache

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLockSerialisesInProcess(t *testing.T) {
	c, _ := openTest(t, t.TempDir())
	unlockA, err := c.Lock(t.Context(), testKey, func(int) { t.Error("first Lock waited") })
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan int, 2)
	acquired := make(chan func())
	go func() {
		unlockB, err := c.Lock(t.Context(), testKey, func(pid int) { waited <- pid })
		if err != nil {
			t.Error(err)
			unlockB = func() {}
		}
		acquired <- unlockB
	}()
	if pid := <-waited; pid != os.Getpid() {
		t.Errorf("waiting got holder PID %d, want %d", pid, os.Getpid())
	}
	select {
	case <-acquired:
		t.Fatal("second Lock acquired while the first was held")
	default:
	}
	unlockA()
	unlockA() // idempotent
	unlockB := <-acquired
	defer unlockB()
	if len(waited) != 0 {
		t.Error("waiting called more than once")
	}

	other, err := c.Lock(t.Context(), Key{TenantID: "other"}, func(int) { t.Error("another key's lock waited") })
	if err != nil {
		t.Fatal(err)
	}
	other()
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	dir := t.TempDir()
	c, _ := openTest(t, dir)
	holder := startHelper(t, "holder", dir)
	holder.expectLine(t, "locked")
	pid := holder.cmd.Process.Pid

	var waitedFor []int
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	unlock, err := c.Lock(ctx, testKey, func(p int) { waitedFor = append(waitedFor, p) })
	if err == nil {
		unlock()
		t.Fatal("Lock succeeded while another process held the lock")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "kubelogin process "+strconv.Itoa(pid)) {
		t.Errorf("error %q should name process %d and wrap the deadline", err, pid)
	}
	if len(waitedFor) != 1 || waitedFor[0] != pid {
		t.Errorf("waiting called with %v, want once with %d", waitedFor, pid)
	}

	// A holder that exits normally hands over at once, and clears its PID on the way out.
	if err := holder.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := holder.cmd.Wait(); err != nil {
		t.Fatalf("holder: %v; stderr: %s", err, holder.stderr)
	}
	if got := holderIn(t, c.lockPath(testKey.ID())); got != 0 {
		t.Errorf("lock file still names PID %d after unlock", got)
	}
}

func TestLockOfKilledHolderIsFree(t *testing.T) {
	dir := t.TempDir()
	c, _ := openTest(t, dir)
	holder := startHelper(t, "holder", dir)
	holder.expectLine(t, "locked")
	holder.kill(t)

	// The kernel dropped the dead holder's lock: no wait, no stale-lock breaking.
	unlock, err := c.Lock(t.Context(), testKey, func(pid int) { t.Errorf("waited for dead process %d", pid) })
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if got := holderIn(t, c.lockPath(testKey.ID())); got != os.Getpid() {
		t.Errorf("lock file names PID %d, want the new holder %d", got, os.Getpid())
	}
}

func TestLockCancelled(t *testing.T) {
	c, _ := openTest(t, t.TempDir())
	unlock, err := c.Lock(t.Context(), testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	_, err = c.Lock(ctx, testKey, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock after cancel = %v, want context.Canceled", err)
	}
}

// holderIn reads the PID recorded in the lock file at path.
func holderIn(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readHolder(f)
}
