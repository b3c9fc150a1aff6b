package provider

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touch(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSearchOrder(t *testing.T) {
	exeDir, envDir, pathDir := t.TempDir(), t.TempDir(), t.TempDir()
	touch(t, exeDir, "kubelogin-provider-spn", 0o755)
	touch(t, envDir, "kubelogin-provider-spn", 0o755)
	touch(t, envDir, "kubelogin-provider-msi", 0o755)
	touch(t, pathDir, "kubelogin-provider-msi", 0o755)
	touch(t, pathDir, "kubelogin-provider-azurecli", 0o755)
	touch(t, pathDir, "kubelogin-provider-noexec", 0o644)
	touch(t, pathDir, "kubelogin-provider-spn.bak", 0o755)
	touch(t, pathDir, "kubectl", 0o755)

	s := Search{ExecutableDir: exeDir, ProviderPath: envDir, Path: pathDir}
	got := map[string]Candidate{}
	for _, c := range s.All() {
		got[c.Mode] = c
	}
	want := map[string]string{
		"spn":      filepath.Join(exeDir, "kubelogin-provider-spn"),
		"msi":      filepath.Join(envDir, "kubelogin-provider-msi"),
		"azurecli": filepath.Join(pathDir, "kubelogin-provider-azurecli"),
	}
	if len(got) != len(want) {
		t.Fatalf("All() = %+v, want modes %v", got, want)
	}
	for mode, path := range want {
		if got[mode].Path != path {
			t.Errorf("%s: got %s, want %s", mode, got[mode].Path, path)
		}
		c, err := s.Find(mode)
		if err != nil || c.Path != path {
			t.Errorf("Find(%s) = %+v, %v; want %s", mode, c, err, path)
		}
	}
	if got["msi"].Source != PathEnv || got["spn"].Source != "kubelogin's directory" || got["azurecli"].Source != "PATH" {
		t.Errorf("sources wrong: %+v", got)
	}
}

func TestFindMissing(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "kubelogin-provider-spn", 0o755)
	_, err := Search{Path: dir}.Find("msi")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "no provider for login mode msi; found: spn") {
		t.Fatalf("Find error = %v", err)
	}
	_, err = Search{}.Find("msi")
	if err == nil || !strings.Contains(err.Error(), "found: none") {
		t.Fatalf("empty search error = %v", err)
	}
}

func TestSystemSearchResolvesSymlinks(t *testing.T) {
	s := SystemSearch(os.Getenv)
	exe, _ := os.Executable()
	real, _ := filepath.EvalSymlinks(exe)
	if s.ExecutableDir != filepath.Dir(real) {
		t.Fatalf("ExecutableDir = %s, want %s", s.ExecutableDir, filepath.Dir(real))
	}
}

// TestRelativeSearchEntriesSkipped: relative entries name the directory kubectl was started in, so a
// repository's bin/ must not supply a provider (as os/exec's ErrDot); absolute entries still work.
func TestRelativeSearchEntriesSkipped(t *testing.T) {
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	touch(t, repo, "kubelogin-provider-spn", 0o755)
	touch(t, filepath.Join(repo, "bin"), "kubelogin-provider-msi", 0o755)
	trusted := t.TempDir()
	touch(t, trusted, "kubelogin-provider-azurecli", 0o755)
	t.Chdir(repo)

	list := strings.Join([]string{"", ".", "bin", "./bin", trusted}, string(os.PathListSeparator))
	for _, s := range []Search{{ProviderPath: list}, {Path: list}} {
		for _, mode := range []string{"spn", "msi"} {
			if c, err := s.Find(mode); err == nil {
				t.Errorf("Find(%s) used a relative search entry: %s", mode, c.Path)
			}
		}
		all := s.All()
		if len(all) != 1 || all[0].Mode != "azurecli" || all[0].Path != filepath.Join(trusted, "kubelogin-provider-azurecli") {
			t.Errorf("All() = %+v, want only the provider in the absolute entry", all)
		}
	}
}
