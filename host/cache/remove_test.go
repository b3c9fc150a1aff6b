package cache

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRemoveAll(t *testing.T) {
	populate := func(t *testing.T, dir string) []string {
		t.Helper()
		c, _ := openTest(t, dir)
		other := Key{TenantID: "other"}
		for _, k := range []Key{testKey, other} {
			if err := c.Put(k, sampleEntry()); err != nil {
				t.Fatal(err)
			}
		}
		unlock, err := c.Lock(t.Context(), testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		extra := []string{testKey.ID() + tempInfix + "42", popKeyFile, popKeyFile + ".tmp-123456", "auth.json", "pop_tokens.cache", "pop_rsa_key.cache"}
		for _, name := range extra {
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		names := append([]string{testKey.ID() + entrySuffix, other.ID() + entrySuffix, testKey.ID() + lockSuffix}, extra...)
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(dir, n))
		}
		return paths
	}

	t.Run("keeps foreign files and the dir", func(t *testing.T) {
		dir := t.TempDir()
		ours := populate(t, dir)
		foreign := []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "sub"), filepath.Join(dir, "abc.json")}
		if err := os.WriteFile(foreign[0], []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(foreign[1], 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(foreign[2], []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		removed, kept, err := RemoveAll(dir)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(removed)
		slices.Sort(ours)
		if !slices.Equal(removed, ours) {
			t.Errorf("removed %v\nwant    %v", removed, ours)
		}
		slices.Sort(kept)
		slices.Sort(foreign)
		if !slices.Equal(kept, foreign) {
			t.Errorf("kept %v, want %v", kept, foreign)
		}
		for _, p := range foreign {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("foreign %s: %v", p, err)
			}
		}
	})

	t.Run("removes the emptied dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cache")
		ours := populate(t, dir)
		removed, kept, err := RemoveAll(dir)
		if err != nil || len(kept) != 0 {
			t.Fatalf("RemoveAll = kept %v, err %v", kept, err)
		}
		slices.Sort(ours)
		if n := len(removed); n == 0 || removed[n-1] != dir || !slices.Equal(slices.Sorted(slices.Values(removed[:n-1])), ours) {
			t.Errorf("removed %v, want %v then the dir %s", removed, ours, dir)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("dir still there: %v", err)
		}
	})

	t.Run("missing dir is nothing to do", func(t *testing.T) {
		removed, kept, err := RemoveAll(filepath.Join(t.TempDir(), "absent"))
		if removed != nil || kept != nil || err != nil {
			t.Errorf("RemoveAll = %v, %v, %v", removed, kept, err)
		}
	})
}
