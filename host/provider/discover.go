// Package provider finds provider binaries, starts them through go-plugin
// and stops them again, leaving no process or socket behind.
package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// BinaryPrefix is how provider executables are named: the rest of the name
// is the login mode they serve.
const BinaryPrefix = "kubelogin-provider-"

// PathEnv lists extra directories to search, like PATH.
const PathEnv = "KUBELOGIN_PROVIDER_PATH"

// Candidate is one provider binary found on disk.
type Candidate struct {
	Mode   string // from the file name
	Path   string
	Source string // where it was found: "kubelogin's directory", KUBELOGIN_PROVIDER_PATH, PATH or the policy
	// SHA256 is set when a policy approved the binary: Start then runs
	// only a file with this checksum.
	SHA256 string
	// Reattach, when set, is a provider already running under a debugger:
	// Start connects to it instead of starting anything.
	Reattach *protocol.Reattach
}

// Search is where discovery looks, in order.
type Search struct {
	ExecutableDir string // directory of the kubelogin binary, symlinks resolved
	ProviderPath  string // value of KUBELOGIN_PROVIDER_PATH
	Path          string // value of PATH
	// Policy, when set, replaces the search: only its providers run.
	Policy *policy.Policy
	// PolicyErr is a policy that exists but is broken; nothing runs then.
	PolicyErr error
	// Reattach is the value of KUBELOGIN_PROVIDER_REATTACH: providers a
	// provider author runs under a debugger, found before any binary.
	Reattach string
}

// SystemSearch is the search order of a normal run: the directory holding
// the real kubelogin binary (package managers symlink it into PATH), then
// KUBELOGIN_PROVIDER_PATH, then PATH, as getenv gives them.
func SystemSearch(getenv func(string) string) Search {
	s := Search{ProviderPath: getenv(PathEnv), Path: getenv("PATH"), Reattach: getenv(protocol.ReattachEnv)}
	s.Policy, s.PolicyErr = policy.Load(policy.AdminFile, getenv)
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		s.ExecutableDir = filepath.Dir(exe)
	}
	return s
}

type dir struct{ path, source string }

// dirs lists the directories to search. Relative entries in KUBELOGIN_PROVIDER_PATH and PATH ("", ".",
// "bin") are skipped, as Go's os/exec refuses them (exec.ErrDot): they name whatever directory kubectl
// was started in, so a cloned repository's bin/ could otherwise supply a provider.
func (s Search) dirs() []dir {
	var out []dir
	if s.ExecutableDir != "" {
		out = append(out, dir{s.ExecutableDir, "kubelogin's directory"})
	}
	for _, p := range filepath.SplitList(s.ProviderPath) {
		if filepath.IsAbs(p) {
			out = append(out, dir{p, PathEnv})
		}
	}
	for _, p := range filepath.SplitList(s.Path) {
		if filepath.IsAbs(p) {
			out = append(out, dir{p, "PATH"})
		}
	}
	return out
}

// All lists every provider found, one per mode: the first in search order
// wins, as with PATH. Under a policy it lists the approved providers.
func (s Search) All() []Candidate {
	if s.PolicyErr != nil {
		return nil
	}
	if s.Policy.RestrictsProviders() {
		var out []Candidate
		for _, p := range s.Policy.Providers {
			out = append(out, approved(s.Policy, p))
		}
		return out
	}
	seen := map[string]bool{}
	var out []Candidate
	for _, d := range s.dirs() {
		entries, err := os.ReadDir(d.path)
		if err != nil {
			continue
		}
		for _, e := range entries {
			mode, ok := modeOf(e.Name())
			if !ok || seen[mode] {
				continue
			}
			p := filepath.Join(d.path, e.Name())
			if !isExecutable(p) {
				continue
			}
			seen[mode] = true
			out = append(out, Candidate{Mode: mode, Path: p, Source: d.source})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mode < out[j].Mode })
	return out
}

// Find returns the provider for mode, or an error listing what was found.
func (s Search) Find(mode string) (Candidate, error) {
	if s.PolicyErr != nil {
		return Candidate{}, s.PolicyErr
	}
	if s.Reattach != "" {
		if c, ok, err := s.reattached(mode); ok || err != nil {
			return c, err
		}
	}
	if s.Policy.RestrictsProviders() {
		p, err := s.Policy.Lookup(mode)
		if err != nil {
			return Candidate{}, err
		}
		return approved(s.Policy, p), nil
	}
	for _, d := range s.dirs() {
		p := filepath.Join(d.path, BinaryPrefix+mode+exeSuffix)
		if isExecutable(p) {
			return Candidate{Mode: mode, Path: p, Source: d.source}, nil
		}
	}
	var found []string
	for _, c := range s.All() {
		found = append(found, c.Mode)
	}
	list := "none"
	if len(found) > 0 {
		list = strings.Join(found, ", ")
	}
	return Candidate{}, &NotFoundError{Mode: mode, Found: list}
}

// reattached finds mode in Reattach. A policy forbids it: an approved
// provider is a checksummed file, and a process to attach to is not.
func (s Search) reattached(mode string) (Candidate, bool, error) {
	m, err := protocol.ParseReattach(s.Reattach)
	if err != nil {
		return Candidate{}, false, err
	}
	r, ok := m[mode]
	if !ok {
		return Candidate{}, false, nil
	}
	if s.Policy.RestrictsProviders() {
		return Candidate{}, false, fmt.Errorf("%s names login mode %s, but the policy %s allows only approved provider files: unset %s", protocol.ReattachEnv, mode, s.Policy.File, protocol.ReattachEnv)
	}
	return Candidate{Mode: mode, Path: fmt.Sprintf("process %d at %s", r.Pid, r.Address), Source: protocol.ReattachEnv, Reattach: &r}, true, nil
}

// NotFoundError says which login mode has no provider and which exist.
type NotFoundError struct {
	Mode  string
	Found string
}

func (e *NotFoundError) Error() string {
	return "no provider for login mode " + e.Mode + "; found: " + e.Found +
		" (install " + BinaryPrefix + e.Mode + " next to kubelogin, or in a directory listed in " + PathEnv + ")"
}

func approved(pol *policy.Policy, p policy.Provider) Candidate {
	return Candidate{Mode: p.Mode, Path: p.Path, Source: "policy " + pol.File, SHA256: p.SHA256}
}

func modeOf(name string) (string, bool) {
	if !strings.HasPrefix(name, BinaryPrefix) {
		return "", false
	}
	mode := strings.TrimSuffix(strings.TrimPrefix(name, BinaryPrefix), exeSuffix)
	if mode == "" || strings.ContainsAny(mode, ".") {
		return "", false
	}
	return mode, true
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && isExecMode(fi.Mode())
}
