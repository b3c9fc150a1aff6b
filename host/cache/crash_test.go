package cache

import (
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrashSafety SIGKILLs writer processes at random points of their Put loop. Whatever the moment of
// death, Get must return a complete entry (the file exists after each writer's first Put) and never warn;
// the temp files of killed writers are swept by the next Put once stale.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("launches hundreds of processes")
	}
	const (
		kills   = 200
		workers = 4
	)
	dir := t.TempDir()
	c, w := openTest(t, dir)
	var done atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for done.Add(1) <= kills {
				p := startHelper(t, "writer", dir)
				p.expectLine(t, "ready")
				// The random point of death: writes take about a millisecond or more each.
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				p.kill(t)
				e, ok := c.Get(testKey)
				if !ok {
					t.Errorf("Get missed after a writer was killed; warnings %q", w.list())
					return
				}
				if err := checkSelfChecking(e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if msgs := w.list(); len(msgs) != 0 {
		t.Fatalf("reads warned during crashes: %q", msgs)
	}

	temps := tempFiles(t, dir)
	t.Logf("%d kills left %d temp files", kills, len(temps))
	old := time.Now().Add(-staleTempAge - time.Minute)
	for _, p := range temps {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("Put did not sweep stale temps: %v", left)
	}
}
