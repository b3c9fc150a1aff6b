//go:build unix

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
)

// TestStatusSkipsFIFOAndLinks: a FIFO or a link planted as an entry in the cache is reported and skipped;
// `kubelogin status` neither hangs on the FIFO (a blocking open waits for a writer forever) nor follows the
// link.
func TestStatusSkipsFIFOAndLinks(t *testing.T) {
	dir := t.TempDir()
	c := cache.Open(dir, func(msg string) { t.Errorf("unexpected warning: %s", msg) })
	good := cache.Key{LoginMode: "devicecode", TenantID: "tenant", ClientID: "client", ServerID: "server"}
	if err := c.Put(good, &cache.Entry{AccessToken: "SECRET", TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, cache.Key{TenantID: "fifo"}.ID()+".json")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, cache.Key{TenantID: "link"}.ID()+".json")
	if err := os.Symlink(filepath.Join(dir, good.ID()+".json"), link); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	home := t.TempDir()
	f := &Factory{
		IO: iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) (string, bool) {
			if k == "HOME" {
				return home, true
			}
			return "", false
		},
		Now:  time.Now,
		Keys: func() tokenstore.KeyBackend { return &memKeys{keys: map[string][]byte{}} },
	}
	if err := RunStatus(&StatusOptions{f: f, CacheDir: dir}); err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(out.String(), "devicecode"); rows != 1 {
		t.Errorf("status listed %d devicecode rows, want the one real entry:\n%s", rows, out.String())
	}
	for _, want := range []string{fifo + ": it is not a regular file", link + ": it is a symbolic link", "1 cached tokens"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(out.String()+errOut.String(), "SECRET") {
		t.Error("status printed the token")
	}
}
