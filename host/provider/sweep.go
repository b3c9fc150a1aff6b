package provider

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAfter is how old a socket directory must be before a sweep looks at
// it; no provider call lives that long under a sane --timeout.
const staleAfter = 10 * time.Minute

// sweepStaleSockets removes socket directories that a killed kubelogin
// could not clean up: old enough, and with nobody listening on the socket.
func sweepStaleSockets(base string, now time.Time) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), socketDirPrefix) {
			continue
		}
		dir := filepath.Join(base, e.Name())
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < staleAfter || fi.Sys() == nil || !ownedByUs(fi) {
			continue
		}
		if listening(dir) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

func listening(dir string) bool {
	socks, _ := filepath.Glob(filepath.Join(dir, "plugin*"))
	for _, s := range socks {
		c, err := net.DialTimeout("unix", s, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}
