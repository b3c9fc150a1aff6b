package dist

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
)

const testVersion = "v0.0.0-disttest"

// exeSuffix is the host's executable suffix.
var exeSuffix = map[bool]string{true: ".exe"}[runtime.GOOS == "windows"]

// TestBuild builds the release for the host platform and one other (all
// six take minutes; make dist builds them) and checks it as a user and an
// administrator would: the checksums, the archives' contents, the policy's
// hashes against the unpacked binaries, and the unpacked kubelogin running
// its providers under that policy.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles kubelogin and every provider for two platforms")
	}
	if _, err := os.Stat(policy.AdminFile); err == nil {
		t.Fatalf("%s exists on this machine; it would override the policy this test gives kubelogin", policy.AdminFile)
	}
	host := Platform{runtime.GOOS, runtime.GOARCH}
	cross := Platform{"windows", "amd64"}
	if host.OS == "windows" {
		cross = Platform{"linux", "arm64"}
	}
	out := filepath.Join(t.TempDir(), "dist")
	err := Build(context.Background(), Config{
		Src:       "../..",
		Out:       out,
		Version:   testVersion,
		LDFLAGS:   "-s -w -X github.com/kubelogin-dev/kubelogin/internal/buildinfo.version=" + testVersion,
		Platforms: []Platform{host, cross},
		ModTime:   time.Unix(1700000000, 0),
		Log:       t.Output(),
	})
	if err != nil {
		t.Fatal(err)
	}

	if b, err := os.ReadFile(filepath.Join(out, "VERSION")); err != nil || string(b) != testVersion+"\n" {
		t.Errorf("VERSION: %q, %v", b, err)
	}
	var want []string
	for _, p := range []Platform{host, cross} {
		want = append(want, ArchiveName(testVersion, p), PolicyName(p))
	}
	slices.Sort(want)
	if got := verifySums(t, out); !slices.Equal(got, want) {
		t.Errorf("SHA256SUMS lists %v, want %v", got, want)
	}

	modes := shippedModes(t)
	for _, p := range []Platform{host, cross} {
		t.Run(p.OS+"-"+p.Arch, func(t *testing.T) {
			dir := unpack(t, filepath.Join(out, ArchiveName(testVersion, p)), archiveDir(testVersion, p))
			exe := ""
			if p.OS == "windows" {
				exe = ".exe"
			}
			wantFiles := []string{"README.md", "kubelogin" + exe, "policy.yaml"}
			for _, m := range modes {
				wantFiles = append(wantFiles, provider.BinaryPrefix+m+exe)
			}
			slices.Sort(wantFiles)
			if got := listDir(t, dir); !slices.Equal(got, wantFiles) {
				t.Fatalf("archive holds %v, want %v", got, wantFiles)
			}
			shipped, err := os.ReadFile(filepath.Join(dir, "policy.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if beside, err := os.ReadFile(filepath.Join(out, PolicyName(p))); err != nil || !bytes.Equal(beside, shipped) {
				t.Errorf("%s differs from the archive's policy.yaml (%v)", PolicyName(p), err)
			}
			checkPaths(t, p, shipped, modes)

			// The policy names InstallDir; here the binaries are in dir.
			local := relocate(t, p, shipped, dir)
			pol, err := policy.Parse([]byte(local))
			if err != nil {
				t.Fatalf("kubelogin's parser rejects the policy: %v\n%s", err, local)
			}
			var got []string
			for _, e := range pol.Providers {
				got = append(got, e.Mode)
				f, err := policy.Open(e) // hashes the unpacked binary against the entry
				if err != nil {
					t.Errorf("%s: %v", e.Mode, err)
					continue
				}
				f.Close()
			}
			if !slices.Equal(got, modes) {
				t.Errorf("policy approves %v, want every shipped provider %v", got, modes)
			}
			if p == host {
				runUnpacked(t, dir, local, modes)
			}
		})
	}
}

// runUnpacked runs the archive's kubelogin: its version, its own hashes of
// the providers, and each provider started under the shipped policy.
func runUnpacked(t *testing.T, dir, pol string, modes []string) {
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), policy.EnvFile+"="+file, provider.PathEnv+"=", "HOME="+t.TempDir(), "KUBECACHEDIR="+t.TempDir())
	kubelogin := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "kubelogin"+exeSuffix), args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubelogin %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}

	if out, _ := kubelogin("version"); !strings.Contains(out, "kubelogin version "+testVersion+"\n") {
		t.Errorf("kubelogin version printed %q; the ldflags did not reach the binary", out)
	}

	var bins []string
	for _, m := range modes {
		bins = append(bins, filepath.Join(dir, provider.BinaryPrefix+m+exeSuffix))
	}
	if out, _ := kubelogin(append([]string{"providers", "hash"}, bins...)...); out != withoutComments(pol) {
		t.Errorf("kubelogin providers hash printed\n%s\nthe shipped policy says\n%s", out, withoutComments(pol))
	}

	list := func() map[string]string {
		out, errOut := kubelogin("providers", "list", "--timeout", "20s")
		if !strings.Contains(errOut, "is in force") {
			t.Errorf("providers list did not apply the policy: %s", errOut)
		}
		lines := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			lines[strings.Fields(l)[0]] = l
		}
		return lines
	}
	lines := list()
	for _, m := range modes {
		if l := lines[m]; !strings.Contains(l, " "+testVersion+" ") || strings.Contains(l, "error") {
			t.Errorf("provider %s under the shipped policy: %q", m, l)
		}
	}

	// The check is live: an altered provider is refused.
	victim := bins[0]
	f, err := os.OpenFile(victim, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	if l := list()[modes[0]]; !strings.Contains(l, "does not match the checksum") {
		t.Errorf("altered %s ran under the policy: %q", modes[0], l)
	}
}

// checkPaths reads the policy as written: every path is the provider in
// InstallDir, with the target OS's separator.
func checkPaths(t *testing.T, p Platform, doc []byte, modes []string) {
	var d struct {
		Providers []policy.Provider `yaml:"providers"`
	}
	if err := yaml.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	sep, exe := "/", ""
	if p.OS == "windows" {
		sep, exe = `\`, ".exe"
	}
	if len(d.Providers) != len(modes) {
		t.Fatalf("policy lists %d providers, want %d", len(d.Providers), len(modes))
	}
	for i, e := range d.Providers {
		if want := InstallDir(p.OS) + sep + provider.BinaryPrefix + modes[i] + exe; e.Mode != modes[i] || e.Path != want {
			t.Errorf("entry %d: %s at %s, want %s at %s", i, e.Mode, e.Path, modes[i], want)
		}
	}
	if !strings.Contains(string(doc), PolicyFile(p.OS)) {
		t.Errorf("the policy does not say where to copy it (%s)", PolicyFile(p.OS))
	}
	if p.OS == runtime.GOOS && PolicyFile(p.OS) != policy.AdminFile {
		t.Errorf("PolicyFile(%s) = %s, but kubelogin reads %s", p.OS, PolicyFile(p.OS), policy.AdminFile)
	}
}

// relocate points the policy's paths at dir, changing nothing else.
func relocate(t *testing.T, p Platform, doc []byte, dir string) string {
	sep := "/"
	if p.OS == "windows" {
		sep = `\`
	}
	prefix := "path: " + InstallDir(p.OS) + sep
	if n := strings.Count(string(doc), prefix); n == 0 {
		t.Fatalf("no path in InstallDir in\n%s", doc)
	}
	return strings.ReplaceAll(string(doc), prefix, "path: "+dir+string(filepath.Separator))
}

func withoutComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(doc, "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// shippedModes are the providers the repository builds: cmd/kubelogin-provider-*.
func shippedModes(t *testing.T) []string {
	entries, err := os.ReadDir("../../cmd")
	if err != nil {
		t.Fatal(err)
	}
	var modes []string
	for _, e := range entries {
		if m, ok := strings.CutPrefix(e.Name(), provider.BinaryPrefix); ok && e.IsDir() {
			modes = append(modes, m)
		}
	}
	if len(modes) == 0 {
		t.Fatal("no cmd/kubelogin-provider-* found")
	}
	return modes
}

// verifySums checks SHA256SUMS as `sha256sum -c` would and returns the
// names it lists; it must cover every other file in dir.
func verifySums(t *testing.T, dir string) []string {
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || strings.ContainsAny(name, "/\\") {
			t.Fatalf("SHA256SUMS line %q is not sha256sum's format", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, SHA256SUMS says %s", name, got, sum)
		}
		names = append(names, name)
	}
	var rest []string
	for _, n := range listDir(t, dir) {
		if n != "SHA256SUMS" && n != "VERSION" && !slices.Contains(names, n) {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		t.Errorf("SHA256SUMS leaves out %v", rest)
	}
	return names
}

// unpack extracts archive into a new directory and returns its one
// top-level directory, which must be top.
func unpack(t *testing.T, archive, top string) string {
	dest := t.TempDir()
	put := func(name string, mode fs.FileMode, r io.Reader) {
		if !strings.HasPrefix(name, top+"/") {
			t.Fatalf("%s: member %s is outside %s/", archive, name, top)
		}
		path := filepath.Join(dest, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			return
		}
		if want := fs.FileMode(0o644); !strings.HasSuffix(name, ".md") && !strings.HasSuffix(name, ".yaml") {
			if mode.Perm() != 0o755 {
				t.Errorf("%s: binary %s has mode %v, want 0755", archive, name, mode.Perm())
			}
		} else if mode.Perm() != want {
			t.Errorf("%s: %s has mode %v, want %v", archive, name, mode.Perm(), want)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, r); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if strings.HasSuffix(archive, ".zip") {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, zf := range zr.File {
			r, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			put(zf.Name, zf.Mode(), r)
			r.Close()
		}
	} else {
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			put(h.Name, h.FileInfo().Mode(), tr)
		}
	}
	if got := listDir(t, dest); !slices.Equal(got, []string{top}) {
		t.Fatalf("%s unpacks to %v, want one directory %s", archive, got, top)
	}
	return filepath.Join(dest, top)
}

func listDir(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestBuildRefuses: bad input is one actionable error, and a failed build
// leaves neither the output directory nor its staging directory behind.
func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name      string
		version   string
		exists    bool
		platforms []Platform
		want      string
	}{
		{name: "version with a slash", version: "v1/2", want: "cannot name a file"},
		{name: "no version", version: "", want: "cannot name a file"},
		{name: "output exists", version: "v1.2.3", exists: true, want: "already exists: remove it first"},
		{name: "unknown platform", version: "v1.2.3", platforms: []Platform{{"plan10", "amd64"}}, want: "building for plan10/amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "dist")
			if tt.exists {
				if err := os.Mkdir(out, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := Build(context.Background(), Config{Src: "../..", Out: out, Version: tt.version, Platforms: tt.platforms})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			want := []string(nil)
			if tt.exists {
				want = []string{"dist"}
			}
			if got := listDir(t, parent); !slices.Equal(got, want) {
				t.Errorf("left %v behind", got)
			}
		})
	}
}

func TestParsePlatform(t *testing.T) {
	for _, s := range []string{"linux", "linux/", "/amd64", "linux/amd64/v2", ""} {
		if _, err := ParsePlatform(s); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", s)
		}
	}
	if p, err := ParsePlatform("windows/arm64"); err != nil || p != (Platform{"windows", "arm64"}) {
		t.Errorf("ParsePlatform(windows/arm64) = %v, %v", p, err)
	}
}
