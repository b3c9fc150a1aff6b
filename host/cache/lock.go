package cache

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/privfile"
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
// dies: a crashed kubelogin never blocks anyone and there are no stale locks to break. The lock file is
// opened like an entry (privfile: no link followed, no FIFO waited on, only our own regular file), and the
// holder's PID is written through the locked descriptor, so a planted link can neither be locked nor
// written through. When the lock is busy, waiting (may be nil) is called once with the holder's PID (0 if
// unknown) so the caller can say whom it waits for. Lock polls until it gets the lock or ctx ends; then the
// error names the holder. unlock is idempotent. On a disabled Cache, Lock returns a no-op unlock at once.
func (c *Cache) Lock(ctx context.Context, k Key, waiting func(holderPID int)) (unlock func(), err error) {
	if !c.enabled {
		return func() {}, nil
	}
	path := c.lockPath(k.ID())
	f, err := privfile.Open(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening token cache lock %s: %w", path, err)
	}
	start := time.Now()
	delay := lockPollMin
	for notified := false; ; notified = true {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking token cache entry %s: %w", path, err)
		}
		if ok {
			break
		}
		if !notified && waiting != nil {
			waiting(readHolder(f))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			holder := readHolder(f)
			f.Close()
			return nil, fmt.Errorf("gave up after %s waiting for %s, which holds the token cache lock %s (probably signing in); let it finish or end it, then retry: %w",
				time.Since(start).Round(time.Millisecond), describeHolder(holder), path, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, lockPollMax)
	}
	writeHolder(f, os.Getpid())
	return sync.OnceFunc(func() {
		writeHolder(f, 0) // so a waiter never names a process that no longer holds the lock
		_ = unlockFile(f)
		_ = f.Close() // closing the descriptor releases the lock even if the unlock call failed
	}), nil
}

func describeHolder(pid int) string {
	if pid <= 0 {
		return "another kubelogin process"
	}
	return "kubelogin process " + strconv.Itoa(pid)
}

// writeHolder records pid (0 clears it) in the lock file f. Best effort: the PID only improves messages, so
// failing to write it must not fail the lock.
func writeHolder(f *os.File, pid int) {
	s := ""
	if pid > 0 {
		s = strconv.Itoa(pid)
	}
	_, _ = f.WriteAt(fmt.Appendf(nil, "%-*s\n", holderWidth, s), holderOffset)
}

// readHolder returns the PID recorded in the lock file f, or 0 when none is recorded or it cannot be read.
func readHolder(f *os.File) int {
	buf := make([]byte, holderWidth+1)
	n, _ := f.ReadAt(buf, holderOffset)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		return 0
	}
	return pid
}
