// Package dist builds kubelogin's release: for each platform an archive
// holding kubelogin, every kubelogin-provider-<mode>, README.md and a ready
// provider policy; beside them the same policies, SHA256SUMS and VERSION.
//
// The policy is written with host/policy's own entry format, so the file an
// administrator copies is exactly what kubelogin reads. It names the
// providers where the install instructions put them (InstallDir); whoever
// installs elsewhere regenerates it with `kubelogin providers hash`.
package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
)

// Platform is one GOOS/GOARCH pair the release ships.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Platforms are the targets of a release.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// ParsePlatform reads "os/arch".
func ParsePlatform(s string) (Platform, error) {
	goos, arch, ok := strings.Cut(s, "/")
	if !ok || goos == "" || arch == "" || strings.Contains(arch, "/") {
		return Platform{}, fmt.Errorf("platform %q is not os/arch, e.g. linux/amd64", s)
	}
	return Platform{goos, arch}, nil
}

// InstallDir is where the README tells an administrator to put the binaries
// on goos, and so the directory the shipped policy approves. Only
// administrators can write there, which the policy needs where the checked
// file cannot be executed by descriptor (everywhere but Linux).
func InstallDir(goos string) string {
	if goos == "windows" {
		return `C:\Program Files\kubelogin`
	}
	return "/usr/local/lib/kubelogin"
}

// PolicyFile is where kubelogin on goos reads the administrator's policy
// (host/policy.AdminFile, which only exists for the platform it is built for).
func PolicyFile(goos string) string {
	if goos == "windows" {
		return `%ProgramData%\kubelogin\policy.yaml`
	}
	return "/etc/kubelogin/policy.yaml"
}

// ArchiveName is the file name of p's archive.
func ArchiveName(version string, p Platform) string {
	if p.OS == "windows" {
		return archiveDir(version, p) + ".zip"
	}
	return archiveDir(version, p) + ".tar.gz"
}

// PolicyName is the file name of p's policy beside the archives.
func PolicyName(p Platform) string { return "policy-" + p.OS + "-" + p.Arch + ".yaml" }

// archiveDir is the one top-level directory inside an archive.
func archiveDir(version string, p Platform) string {
	return "kubelogin-" + version + "-" + p.OS + "-" + p.Arch
}

// Config says what to build and where.
type Config struct {
	Src       string     // the module root: holds cmd/ and README.md
	Out       string     // created by Build; must not exist yet
	Version   string     // names the archives and goes into VERSION
	LDFLAGS   string     // passed to go build (the Makefile's, which set the version)
	Platforms []Platform // default: Platforms
	Go        string     // the go command; default "go"
	ModTime   time.Time  // of every archive member, so archives are reproducible
	Log       io.Writer  // progress lines; default io.Discard
}

var versionRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]*$`)

// Build cross-compiles every platform and writes the release into c.Out.
// It stages everything beside c.Out and renames it into place at the end,
// so c.Out is either complete or absent.
func Build(ctx context.Context, c Config) error {
	if !versionRe.MatchString(c.Version) {
		return fmt.Errorf("version %q cannot name a file: use letters, digits and . + _ - (e.g. VERSION=v1.2.3)", c.Version)
	}
	if _, err := os.Lstat(c.Out); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s already exists: remove it first (make dist does)", c.Out)
	}
	if len(c.Platforms) == 0 {
		c.Platforms = Platforms
	}
	if c.Go == "" {
		c.Go = "go"
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	readme, err := os.ReadFile(filepath.Join(c.Src, "README.md"))
	if err != nil {
		return err
	}
	stage, err := os.MkdirTemp(filepath.Dir(c.Out), "."+filepath.Base(c.Out)+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	work, err := os.MkdirTemp("", "kubelogin-dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	for _, p := range c.Platforms {
		start := time.Now()
		bins := filepath.Join(work, p.OS+"-"+p.Arch)
		if err := goBuild(ctx, c, p, bins); err != nil {
			return err
		}
		files, pol, err := contents(c.Version, p, bins)
		if err != nil {
			return err
		}
		files = append(files, member{name: "README.md", data: readme}, member{name: "policy.yaml", data: pol})
		archive := ArchiveName(c.Version, p)
		write := writeTarGz
		if p.OS == "windows" {
			write = writeZip
		}
		if err := write(filepath.Join(stage, archive), archiveDir(c.Version, p), files, c.ModTime); err != nil {
			return fmt.Errorf("writing %s: %w", archive, err)
		}
		if err := writeFile(filepath.Join(stage, PolicyName(p)), pol); err != nil {
			return err
		}
		fmt.Fprintf(c.Log, "%s: %s (%s)\n", p, archive, time.Since(start).Round(time.Second))
	}
	sums, err := checksums(stage)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, "SHA256SUMS"), sums); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(stage, "VERSION"), []byte(c.Version+"\n")); err != nil {
		return err
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	return os.Rename(stage, c.Out)
}

func goBuild(ctx context.Context, c Config, p Platform, dir string) error {
	cmd := exec.CommandContext(ctx, c.Go, "build", "-trimpath", "-ldflags", c.LDFLAGS, "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = c.Src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building for %s: %w\n%s", p, err, out)
	}
	return nil
}

// member is one file of an archive: a built binary read from path, or data.
type member struct {
	name string
	path string
	data []byte
}

func (m member) open() (io.ReadCloser, int64, error) {
	if m.path == "" {
		return io.NopCloser(bytes.NewReader(m.data)), int64(len(m.data)), nil
	}
	f, err := os.Open(m.path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// contents reads the built binaries, kubelogin first, and writes the
// policy approving every provider among them at InstallDir.
func contents(version string, p Platform, dir string) ([]member, []byte, error) {
	exe := ""
	if p.OS == "windows" {
		exe = ".exe"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	host := filepath.Join(dir, "kubelogin"+exe)
	if _, err := os.Stat(host); err != nil {
		return nil, nil, fmt.Errorf("the build for %s made no kubelogin%s: %w", p, exe, err)
	}
	files := []member{{name: "kubelogin" + exe, path: host}}
	sep := "/"
	if p.OS == "windows" {
		sep = `\`
	}
	var pol strings.Builder
	fmt.Fprintf(&pol, "# Provider policy for kubelogin %s on %s.\n", version, p)
	fmt.Fprintf(&pol, "# It approves the providers of this release installed in %s;\n", InstallDir(p.OS))
	fmt.Fprintf(&pol, "# copy it to %s to allow only them.\n", PolicyFile(p.OS))
	fmt.Fprintf(&pol, "# Installed elsewhere? Write it with: kubelogin providers hash DIR%s%s*\n", sep, provider.BinaryPrefix)
	pol.WriteString("providers:\n")
	for _, e := range entries { // ReadDir sorts by name, so by mode
		mode, ok := strings.CutPrefix(strings.TrimSuffix(e.Name(), exe), provider.BinaryPrefix)
		if !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		sum, err := fileSum(path)
		if err != nil {
			return nil, nil, err
		}
		pol.WriteString(policy.Entry(mode, InstallDir(p.OS)+sep+e.Name(), sum))
		files = append(files, member{name: e.Name(), path: path})
	}
	if len(files) == 1 {
		return nil, nil, fmt.Errorf("the build for %s made no %s<mode> binaries", p, provider.BinaryPrefix)
	}
	return files, []byte(pol.String()), nil
}

func fileMode(m member) int64 {
	if m.path != "" {
		return 0o755
	}
	return 0o644
}

func writeTarGz(path, dir string, files []member, mtime time.Time) error {
	return writeFileWith(path, func(w io.Writer) error { return tarGz(w, dir, files, mtime) })
}

func tarGz(w io.Writer, dir string, files []member, mtime time.Time) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	for _, f := range files {
		r, size, err := f.open()
		if err != nil {
			return err
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: dir + "/" + f.name, Mode: fileMode(f), Size: size, ModTime: mtime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(tw, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(path, dir string, files []member, mtime time.Time) error {
	return writeFileWith(path, func(w io.Writer) error { return zipTo(w, dir, files, mtime) })
}

func zipTo(out io.Writer, dir string, files []member, mtime time.Time) error {
	zw := zip.NewWriter(out)
	h := &zip.FileHeader{Name: dir + "/", Modified: mtime}
	h.SetMode(fs.ModeDir | 0o755)
	if _, err := zw.CreateHeader(h); err != nil {
		return err
	}
	for _, f := range files {
		h := &zip.FileHeader{Name: dir + "/" + f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(fs.FileMode(fileMode(f)))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		r, _, err := f.open()
		if err != nil {
			return err
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// checksums is SHA256SUMS for every file in dir, in sha256sum's format.
func checksums(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, e := range entries {
		sum, err := fileSum(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum), e.Name())
	}
	return b.Bytes(), nil
}

func fileSum(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return policy.Sum(f)
}

func writeFile(path string, data []byte) error {
	return writeFileWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileWith creates path (which must not exist), fills it and syncs it.
// Build's staging directory keeps a partial file from ever being seen.
func writeFileWith(path string, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
