// Package policy restricts which provider binaries kubelogin runs. An
// administrator lists the approved providers with their SHA-256; with a
// policy in force nothing else runs, the provider search path is ignored,
// and each binary is verified on the very file that is executed.
//
// This is a supply-chain control: it keeps unapproved or altered providers
// from running by accident. It is not a barrier against the machine's own
// user, who can point a kubeconfig at any program.
package policy

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvFile names a policy a user or pipeline imposes on itself. It is
// ignored whenever the administrator's policy file exists.
const EnvFile = "KUBELOGIN_POLICY"

// Provider is one approved provider.
type Provider struct {
	Mode   string `yaml:"mode"`
	Path   string `yaml:"path"`
	SHA256 string `yaml:"sha256"`
}

// Policy is the set of approved providers and where it came from.
type Policy struct {
	File      string
	Providers []Provider
	// TokenStore is "encrypted" when the policy forbids tokens at rest in plaintext (no fallback to 0600
	// files, no --token-store=file), else "".
	TokenStore string
	// unrestricted is a policy that only sets tokenStore: it leaves providers alone.
	unrestricted bool
}

// TokenStoreEncrypted is the tokenStore value that requires encryption at rest.
const TokenStoreEncrypted = "encrypted"

type document struct {
	Providers  *[]Provider `yaml:"providers"`
	TokenStore string      `yaml:"tokenStore"`
}

// RestrictsProviders reports whether the policy limits which providers run. Every policy does, except one
// that sets tokenStore and has no providers list, so an administrator can require encryption without
// approving binaries one by one. A nil Policy restricts nothing.
func (p *Policy) RestrictsProviders() bool { return p != nil && !p.unrestricted }

// RequiresEncryption reports whether the policy forbids plaintext tokens at rest. A nil Policy does not.
func (p *Policy) RequiresEncryption() bool { return p != nil && p.TokenStore == TokenStoreEncrypted }

var (
	modeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Load returns the policy in force: the administrator's file if it exists,
// else the file named by KUBELOGIN_POLICY, else nil (no restriction). A
// policy that exists but cannot be read or parsed is an error, so a broken
// policy never means "run anything".
func Load(adminFile string, getenv func(string) string) (*Policy, error) {
	file := adminFile
	if _, err := os.Lstat(adminFile); errors.Is(err, fs.ErrNotExist) {
		file = getenv(EnvFile)
		if file == "" {
			return nil, nil
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading provider policy %s: %w: fix it or ask your administrator", file, err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("provider policy %s is invalid: %w: fix it or ask your administrator", file, err)
	}
	p.File = file
	return p, nil
}

// Parse reads a policy document and checks every entry.
func Parse(data []byte) (*Policy, error) {
	var doc document
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	switch doc.TokenStore {
	case "", TokenStoreEncrypted:
	default:
		return nil, fmt.Errorf("tokenStore %q: the only value is %s", doc.TokenStore, TokenStoreEncrypted)
	}
	var providers []Provider
	if doc.Providers != nil {
		providers = *doc.Providers
	}
	seen := map[string]bool{}
	for i, p := range providers {
		switch {
		case !modeName.MatchString(p.Mode):
			return nil, fmt.Errorf("providers[%d]: mode %q is not a login mode name", i, p.Mode)
		case seen[p.Mode]:
			return nil, fmt.Errorf("providers[%d]: mode %s is listed twice", i, p.Mode)
		case !filepath.IsAbs(p.Path):
			return nil, fmt.Errorf("providers[%d] (%s): path %q must be absolute", i, p.Mode, p.Path)
		case !sha256Re.MatchString(strings.ToLower(p.SHA256)):
			return nil, fmt.Errorf("providers[%d] (%s): sha256 must be 64 hex digits", i, p.Mode)
		}
		seen[p.Mode] = true
		providers[i].SHA256 = strings.ToLower(p.SHA256)
	}
	sort.Slice(providers, func(i, j int) bool { return providers[i].Mode < providers[j].Mode })
	return &Policy{Providers: providers, TokenStore: doc.TokenStore, unrestricted: doc.Providers == nil && doc.TokenStore != ""}, nil
}

// Lookup returns the approved provider for mode.
func (p *Policy) Lookup(mode string) (Provider, error) {
	var approved []string
	for _, e := range p.Providers {
		if e.Mode == mode {
			return e, nil
		}
		approved = append(approved, e.Mode)
	}
	list := "none"
	if len(approved) > 0 {
		list = strings.Join(approved, ", ")
	}
	return Provider{}, fmt.Errorf("login mode %s is not approved by the provider policy %s; approved: %s", mode, p.File, list)
}

// Entry renders the policy lines for a binary, for `kubelogin providers hash`.
func Entry(mode, path string, sum []byte) string {
	return fmt.Sprintf("  - mode: %s\n    path: %s\n    sha256: %s\n", mode, path, hex.EncodeToString(sum))
}
