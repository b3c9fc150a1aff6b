package cache

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// warnings records what a Cache reports, for asserting "exactly one warning".
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

func openTest(t *testing.T, dir string) (*Cache, *warnings) {
	t.Helper()
	w := &warnings{}
	c := Open(dir, w.add)
	if !c.Enabled() {
		t.Fatalf("Open(%s) disabled: %v", dir, w.list())
	}
	return c, w
}

func sampleEntry() *Entry {
	return &Entry{AccessToken: "SECRET-TOKEN", TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour).Round(0),
		State: []byte("SECRET-STATE\x00\xff")}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func skipPermsOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	c, w := openTest(t, t.TempDir())
	k := testKey
	k.PoPKeyID, k.Legacy = "thumb", true
	in := sampleEntry()
	in.LoginMode = "caller value, replaced from the key"
	before := *in
	if err := c.Put(k, in); err != nil {
		t.Fatal(err)
	}
	if in.LoginMode != before.LoginMode || in.ID != "" || !in.WrittenAt.IsZero() {
		t.Errorf("Put modified the caller's entry: %+v", in)
	}
	got, ok := c.Get(k)
	if !ok {
		t.Fatalf("Get missed after Put; warnings %v", w.list())
	}
	want := *in
	want.ID, want.LoginMode, want.AuthorityHost, want.TenantID = k.ID(), k.LoginMode, k.AuthorityHost, k.TenantID
	want.ClientID, want.ServerID, want.Account, want.Legacy, want.PoP = k.ClientID, k.ServerID, k.Account, true, true
	if got.WrittenAt.IsZero() || time.Since(got.WrittenAt) > time.Minute {
		t.Errorf("WrittenAt = %v, want about now", got.WrittenAt)
	}
	want.WrittenAt = got.WrittenAt
	if !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, want.ExpiresAt)
	}
	got.ExpiresAt = want.ExpiresAt // same instant; the file stores UTC
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Get = %+v\nwant  %+v", *got, want)
	}
	if _, ok := c.Get(Key{TenantID: "other"}); ok {
		t.Error("Get of another key hit")
	}
	if len(w.list()) != 0 {
		t.Errorf("unexpected warnings %v", w.list())
	}
}

func TestPermissions(t *testing.T) {
	skipPermsOnWindows(t)
	t.Run("created private", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		c, _ := openTest(t, dir)
		if err := c.Put(testKey, sampleEntry()); err != nil {
			t.Fatal(err)
		}
		if m := mode(t, dir); m != 0o700 {
			t.Errorf("dir mode %04o, want 0700", m)
		}
		if m := mode(t, c.entryPath(testKey.ID())); m != 0o600 {
			t.Errorf("entry mode %04o, want 0600", m)
		}
	})
	t.Run("looser dir and entry tightened", func(t *testing.T) {
		dir := t.TempDir()
		c, _ := openTest(t, dir)
		if err := c.Put(testKey, sampleEntry()); err != nil {
			t.Fatal(err)
		}
		entry := c.entryPath(testKey.ID())
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(entry, 0o644); err != nil {
			t.Fatal(err)
		}
		c, w := openTest(t, dir)
		if m := mode(t, dir); m != 0o700 {
			t.Errorf("dir mode %04o after Open, want 0700", m)
		}
		if _, ok := c.Get(testKey); !ok {
			t.Fatalf("Get missed: %v", w.list())
		}
		if m := mode(t, entry); m != 0o600 {
			t.Errorf("entry mode %04o after Get, want 0600", m)
		}
	})
}

func TestBadEntryIsMissWithOneWarning(t *testing.T) {
	good, err := encodeEntry(testKey, sampleEntry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := encodeEntry(Key{TenantID: "other"}, sampleEntry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte // nil: make a directory instead of a file
		warn    string
	}{
		{"corrupt", []byte("{garbage SECRET-TOKEN"), "not valid JSON"},
		{"truncated", good[:len(good)/2], "not valid JSON"},
		{"empty", []byte{}, "empty"},
		{"whitespace", []byte(" \n"), "empty"},
		{"foreign object", []byte(`{"hello":"world"}`), "not a kubelogin cache entry"},
		{"foreign array", []byte(`[1,2,3]`), "not a kubelogin cache entry"},
		{"future version", []byte(`{"kind":"kubelogin-cache-entry","version":3,"accessToken":{"new":"shape"}}`), "format version 3"},
		{"malformed body", []byte(`{"kind":"kubelogin-cache-entry","version":1,"accessToken":42}`), "malformed"},
		{"another key's entry", otherKey, "another key"},
		{"directory in place of file", nil, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w := openTest(t, t.TempDir())
			path := c.entryPath(testKey.ID())
			if tt.content == nil {
				err = os.Mkdir(path, 0o700)
			} else {
				err = os.WriteFile(path, tt.content, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the re-read after locking must not warn again
				if e, ok := c.Get(testKey); ok {
					t.Fatalf("Get hit on a bad file: %+v", e)
				}
			}
			msgs := w.list()
			if len(msgs) != 1 || !strings.Contains(msgs[0], tt.warn) || !strings.Contains(msgs[0], path) {
				t.Fatalf("warnings %q, want one naming the file and containing %q", msgs, tt.warn)
			}
			if strings.Contains(msgs[0], "SECRET") || strings.Contains(msgs[0], "\n") {
				t.Errorf("warning leaks content or spans lines: %q", msgs[0])
			}
			if err := c.Put(testKey, sampleEntry()); err != nil {
				t.Fatalf("Put over the bad file: %v", err)
			}
			if _, ok := c.Get(testKey); !ok {
				t.Fatal("Get missed after Put replaced the bad file")
			}
			if n := len(w.list()); n != 1 {
				t.Errorf("%d warnings after repair, want still 1", n)
			}
		})
	}
}

func TestUnusableDirDegrades(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"dir below a regular file", func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(file, "cache")
		}},
		{"path is a regular file", func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return file
		}},
		{"read-only dir", func(t *testing.T) string {
			skipPermsOnWindows(t)
			if os.Geteuid() == 0 {
				t.Skip("root writes to a 0500 directory anyway; the file-parent cases cover degradation")
			}
			dir := filepath.Join(t.TempDir(), "ro")
			if err := os.Mkdir(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
		{"empty path", func(*testing.T) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t)
			w := &warnings{}
			c := Open(dir, w.add)
			if c.Enabled() {
				t.Fatal("Open enabled an unusable cache")
			}
			msgs := w.list()
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "token cache disabled: ") ||
				!strings.Contains(msgs[0], "--cache-dir") || strings.Contains(msgs[0], "\n") {
				t.Fatalf("warnings %q, want one line saying what and how to fix", msgs)
			}
			if _, ok := c.Get(testKey); ok {
				t.Error("Get hit on a disabled cache")
			}
			if err := c.Put(testKey, sampleEntry()); err != nil {
				t.Errorf("Put on a disabled cache: %v", err)
			}
			unlock, err := c.Lock(t.Context(), testKey, func(int) { t.Error("waiting called") })
			if err != nil {
				t.Fatalf("Lock on a disabled cache: %v", err)
			}
			unlock()
			if err := c.Delete(testKey); err != nil {
				t.Errorf("Delete on a disabled cache: %v", err)
			}
			if l, err := c.List(); l != nil || err != nil {
				t.Errorf("List on a disabled cache = %v, %v", l, err)
			}
			if len(w.list()) != 1 {
				t.Errorf("operations on a disabled cache warned again: %q", w.list())
			}
		})
	}
}

func TestDelete(t *testing.T) {
	c, _ := openTest(t, t.TempDir())
	if err := c.Put(testKey, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second Delete finds nothing, which is fine
		if err := c.Delete(testKey); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := c.Get(testKey); ok {
		t.Error("Get hit after Delete")
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	c, w := openTest(t, dir)
	a, b := testKey, testKey
	b.Account = "bob"
	for _, k := range []Key{a, b} {
		if err := c.Put(k, sampleEntry()); err != nil {
			t.Fatal(err)
		}
	}
	corrupt := filepath.Join(dir, Key{TenantID: "x"}.ID()+entrySuffix)
	if err := os.WriteFile(corrupt, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	var accounts []string
	for _, e := range got {
		accounts = append(accounts, e.Account)
	}
	slices.Sort(accounts)
	if !slices.Equal(accounts, []string{"alice@example.com", "bob"}) {
		t.Errorf("List accounts = %v, want alice and bob", accounts)
	}
	if msgs := w.list(); len(msgs) != 1 || !strings.Contains(msgs[0], corrupt) {
		t.Errorf("warnings %q, want one about %s", msgs, corrupt)
	}
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var temps []string
	for _, de := range des {
		if isTempName(de.Name()) {
			temps = append(temps, filepath.Join(dir, de.Name()))
		}
	}
	return temps
}

func TestFailedPutLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	c, _ := openTest(t, dir)
	// A non-empty directory on the entry name makes the rename fail after the temp file is written.
	path := c.entryPath(testKey.ID())
	if err := os.MkdirAll(filepath.Join(path, "child"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := c.Put(testKey, sampleEntry())
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("Put = %v, want an error naming %s without secrets", err, path)
	}
	if temps := tempFiles(t, dir); len(temps) != 0 {
		t.Errorf("failed Put left %v", temps)
	}
}

func TestPutSweepsStaleTemps(t *testing.T) {
	dir := t.TempDir()
	c, _ := openTest(t, dir)
	stale := filepath.Join(dir, testKey.ID()+tempInfix+"123")
	fresh := filepath.Join(dir, testKey.ID()+tempInfix+"456")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-staleTempAge - time.Minute)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(Key{TenantID: "any key sweeps"}, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if got := tempFiles(t, dir); !slices.Equal(got, []string{fresh}) {
		t.Errorf("temps after Put = %v, want only the fresh one %s (it may belong to a live writer)", got, fresh)
	}
}

// TestPutRefusesOversize: what Get would reject as too large is refused by Put with an error that says so,
// instead of written and then ignored on every call (a sign-in each time).
func TestPutRefusesOversize(t *testing.T) {
	tests := []struct {
		name  string
		entry *Entry
	}{
		{"state", &Entry{AccessToken: "SECRET-TOKEN", TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour), State: make([]byte, 9<<20)}},
		{"token", &Entry{AccessToken: strings.Repeat("A", maxEntrySize), TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour)}},
		// base64 makes 6.5 MiB of state about 8.7 MiB on disk: the bound is on what is written.
		{"state after encoding", &Entry{AccessToken: "SECRET-TOKEN", TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour), State: make([]byte, 6<<20+512<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w := openTest(t, t.TempDir())
			if err := c.Put(testKey, sampleEntry()); err != nil {
				t.Fatal(err)
			}
			err := c.Put(testKey, tt.entry)
			if err == nil || !strings.Contains(err.Error(), "over the limit") || strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("Put of an oversize entry = %v, want a refusal naming the limit", err)
			}
			e, ok := c.Get(testKey)
			if !ok || e.AccessToken != "SECRET-TOKEN" || len(w.list()) != 0 {
				t.Fatalf("the previous entry must stay in place: %v %v", ok, w.list())
			}
		})
	}
	// Just under the limit is written and read back.
	c, _ := openTest(t, t.TempDir())
	big := &Entry{AccessToken: "SECRET-TOKEN", TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour), State: make([]byte, 5<<20)}
	if err := c.Put(testKey, big); err != nil {
		t.Fatal(err)
	}
	if e, ok := c.Get(testKey); !ok || len(e.State) != 5<<20 {
		t.Fatal("a large entry within the limit did not round-trip")
	}
}
