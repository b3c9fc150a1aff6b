package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// machine describes where the numbers were taken; timings from different
// machines are only comparable with this next to them.
func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("machine: %d CPUs (%s), %s/%s, kernel %s, bench built with %s",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, orNA(strings.TrimSpace(string(kernel))), runtime.Version())
}

// cpuModel is the first "model name" in /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// forbiddenInHost are the modules the host must not link: the cache-hit
// path stays small and fast because the Azure SDK and MSAL live only in
// providers.
var forbiddenInHost = []string{
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity",
	"github.com/Azure/azure-sdk-for-go/sdk/azcore",
	"github.com/AzureAD/microsoft-authentication-library-for-go",
}

// hostBuild is what `go version -m bin/kubelogin` says about the host.
type hostBuild struct {
	// describe is the Go version and the build settings that change speed and size (cgo, -trimpath), so a
	// binary built some other way than `make build` is visible next to its numbers.
	describe string
	// linked lists the forbidden modules the host links, with versions.
	linked []string
}

// readHostBuild reads the host's embedded build info, as `go version -m` does.
func readHostBuild(bin string) (hostBuild, error) {
	info, err := buildinfo.ReadFile(filepath.Join(bin, "kubelogin"))
	if err != nil {
		return hostBuild{}, fmt.Errorf("reading build info of kubelogin: %w", err)
	}
	var h hostBuild
	settings := []string{info.GoVersion}
	for _, s := range info.Settings {
		switch s.Key {
		case "CGO_ENABLED", "-trimpath", "-ldflags":
			settings = append(settings, s.Key+"="+s.Value)
		}
	}
	h.describe = strings.Join(settings, " ")
	for _, d := range info.Deps {
		if slices.Contains(forbiddenInHost, d.Path) {
			h.linked = append(h.linked, d.Path+"@"+d.Version)
		}
	}
	return h, nil
}

// binarySizes lists every kubelogin binary in bin with its size, so growth
// of the host (what every kubectl call loads) is visible.
func binarySizes(bin string) (string, error) {
	paths, err := filepath.Glob(filepath.Join(bin, "kubelogin*"))
	if err != nil {
		return "", fmt.Errorf("listing binaries: %w", err)
	}
	var parts []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("sizing binary: %w", err)
		}
		if fi.IsDir() {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s", filepath.Base(p), mb(fi.Size())))
	}
	return strings.Join(parts, ", "), nil
}
