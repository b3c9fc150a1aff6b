package cache

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Lock polling: start fast so a waiter picks up a refresh that finishes in milliseconds, then back off so a
// minutes-long device-code sign-in costs a waiter at most ten wake-ups a second.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 100 * time.Millisecond
)

// The holder's PID is written at holderOffset, in holderWidth bytes, never at offset 0: on Windows the
// lock covers byte 0 and nobody, not even the holder through another handle, may touch it.
const (
	holderOffset = 1
	holderWidth  = 20
)

// Lock takes the per-key lock that makes a refresh single-flight across processes: N kubectl processes with
// an expired token cause one refresh and at most one prompt. Callers re-read the entry after locking.
//
// The lock is flock(2) (LockFileEx on Windows) on <id>.lock, so the kernel releases it when the holder
// dies: a crashed kubelogin never blocks anyone and there are no stale locks to break. The file records the
// holder's PID; when the lock is busy, waiting (may be nil) is called once with that PID (0 if unknown) so
// the caller can say whom it waits for. Lock polls until it gets the lock or ctx ends; then the error names
// the holder. unlock is idempotent. On a disabled Cache, Lock returns a no-op unlock at once.
func (c *Cache) Lock(ctx context.Context, k Key, waiting func(holderPID int)) (unlock func(), err error) {
	if !c.enabled {
		return func() {}, nil
	}
	path := c.lockPath(k.ID())
	fl := flock.New(path, flock.SetPermissions(0o600))
	start := time.Now()
	delay := lockPollMin
	for notified := false; ; notified = true {
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("locking token cache entry %s: %w", path, err)
		}
		if ok {
			break
		}
		if !notified && waiting != nil {
			waiting(readHolder(path))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("gave up after %s waiting for %s, which holds the token cache lock %s (probably signing in); let it finish or end it, then retry: %w",
				time.Since(start).Round(time.Millisecond), describeHolder(readHolder(path)), path, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, lockPollMax)
	}
	writeHolder(path, os.Getpid())
	return sync.OnceFunc(func() {
		writeHolder(path, 0) // so a waiter never names a process that no longer holds the lock
		_ = fl.Unlock()      // closing the descriptor releases the lock even if the unlock call failed
	}), nil
}

func describeHolder(pid int) string {
	if pid <= 0 {
		return "another kubelogin process"
	}
	return "kubelogin process " + strconv.Itoa(pid)
}

// writeHolder records pid (0 clears it) in the lock file. Best effort: the PID only improves messages, so
// failing to write it must not fail the lock.
func writeHolder(path string, pid int) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	s := ""
	if pid > 0 {
		s = strconv.Itoa(pid)
	}
	_, _ = f.WriteAt(fmt.Appendf(nil, "%-*s\n", holderWidth, s), holderOffset)
	_ = f.Close()
}

// readHolder returns the PID recorded in the lock file, or 0 when none is recorded or it cannot be read.
func readHolder(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, holderWidth+1)
	n, _ := f.ReadAt(buf, holderOffset)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		return 0
	}
	return pid
}
