package provider

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSweepStaleSockets(t *testing.T) {
	base, err := os.MkdirTemp("/tmp", "sweep")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	old := time.Now().Add(-time.Hour)
	mk := func(name string, age time.Time) string {
		d := filepath.Join(base, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "plugin123"), nil, 0o600)
		os.Chtimes(d, age, age)
		return d
	}
	stale := mk(socketDirPrefix+"stale", old)
	fresh := mk(socketDirPrefix+"fresh", time.Now())
	other := mk("someone-else", old)
	live := filepath.Join(base, socketDirPrefix+"live")
	os.Mkdir(live, 0o700)
	l, err := net.Listen("unix", filepath.Join(live, "plugin1"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chtimes(live, old, old)

	sweepStaleSockets(base, time.Now())
	for dir, want := range map[string]bool{stale: false, fresh: true, other: true, live: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
}
