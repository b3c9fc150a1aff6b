package providertest

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// blackhole accepts connections and never answers, like an identity
// provider behind a dead proxy: only the provider's own deadline or the
// host's cancellation can end a request to it.
type blackhole struct {
	url  string
	mu   sync.Mutex
	seen chan struct{}
	once sync.Once
}

func newBlackhole(t testing.TB) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackhole{url: fmt.Sprintf("https://%s/", ln.Addr()), seen: make(chan struct{})}
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			conns = append(conns, c)
			h.mu.Unlock()
			h.once.Do(func() { close(h.seen) })
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		h.mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		h.mu.Unlock()
		wg.Wait()
	})
	return h
}

// waitConnected returns once the provider connected, or after d.
func (h *blackhole) waitConnected(d time.Duration) {
	select {
	case <-h.seen:
	case <-time.After(d):
	}
}
