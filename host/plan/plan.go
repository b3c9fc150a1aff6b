// Package plan is get-token's decision step: from resolved settings it
// decides, without any I/O, what to ask the provider for, which cache entry
// answers the call, which audience the token must carry and whose token it
// is. It is the one place where settings turn into a provider request and
// a cache key; the caller only reads the files the plan names and hands
// back what it found (Facts).
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Env is what the plan may look at besides the settings: where the Azure
// CLIs keep their sign-in files, as the settings resolver found it.
type Env = options.Resolved

// Plan is one get-token call decided.
type Plan struct {
	// Audience is the aud the token must carry: the bare server id, or
	// "spn:<server id>" for a legacy (v1) token.
	Audience string
	// Account names whose token it is (login hint, ROPC user name or
	// managed identity); it separates cache entries.
	Account string
	// Needs are the capabilities the provider must declare.
	Needs sdk.Capabilities
	// PoPClaims are the claims signed into every PoP token; nil for bearer
	// tokens.
	PoPClaims map[string]string
	// Fingerprint lists the files whose content is part of the cache key
	// (the sign-in files of az and azd), so signing in, out or switching
	// accounts there takes effect on the next call instead of when the
	// cached token expires.
	Fingerprint []string

	// req and key are completed by Bind.
	req   sdk.Request
	key   cache.Key
	extra keyExtra
}

// Facts are what the caller found while carrying out the plan.
type Facts struct {
	// FingerprintDigest is Digest over the plan's Fingerprint files.
	FingerprintDigest string
	// PoP is the host's PoP key; nil unless the plan has PoPClaims.
	PoP *PoPBinding
}

// PoPBinding is the part of the host's PoP key that a request and a cache
// key depend on.
type PoPBinding struct {
	ReqCnf     string // the token request's req_cnf
	Thumbprint string // the key's JWK thumbprint
}

// New plans a call from settings that are already resolved (environment
// applied) and validated.
func New(t *options.Token, env Env) (*Plan, error) {
	if t.ServerID == "" {
		return nil, errors.New("--server-id is required: give the cluster's server application id (AKS-managed Entra ID: 6dae42f8-4368-4678-94ff-3960e28e3630)")
	}
	authority, err := t.ResolvedAuthorityHost()
	if err != nil {
		return nil, err
	}

	// The host alone decides scope versus resource: a v2 scope
	// "<server-id>/.default" whose tokens carry the bare server id, or with
	// --legacy a v1 resource whose tokens carry "spn:<server-id>".
	server := strings.TrimSuffix(t.ServerID, "/")
	scope := server
	if !strings.HasSuffix(scope, "/.default") {
		scope += "/.default"
	}
	audience := strings.TrimSuffix(server, "/.default")
	if t.Legacy {
		audience = "spn:" + audience
	}

	p := &Plan{
		req: sdk.Request{
			LoginMode:                t.LoginMode,
			TenantID:                 t.TenantID,
			ClientID:                 t.ClientID,
			Scopes:                   []string{scope},
			Legacy:                   t.Legacy,
			Resource:                 server,
			AuthorityHost:            authority,
			DisableInstanceDiscovery: t.DisableInstanceDiscovery,
			Credentials: sdk.Credentials{
				ClientSecret:              t.ClientSecret,
				ClientCertificatePath:     t.ClientCertificate,
				ClientCertificatePassword: t.ClientCertificatePassword,
				Username:                  t.Username,
				Password:                  t.Password,
				FederatedTokenFile:        t.FederatedTokenFile,
				IdentityResourceID:        t.IdentityResourceID,
				OIDCRequestURL:            t.OIDCRequestURL,
				OIDCRequestToken:          t.OIDCRequestToken,
			},
			LoginHint:   t.LoginHint,
			RedirectURL: t.RedirectURL,
			Timeout:     t.Timeout,
			Extra:       requestExtra(t),
		},
		Audience:    audience,
		Account:     account(t),
		Needs:       sdk.Capabilities{PoP: t.PoPEnabled, Legacy: t.Legacy},
		Fingerprint: profileFiles(t.LoginMode, env),
		extra:       keyExtra{FederatedTokenFile: t.FederatedTokenFile, Subscription: t.Subscription, ProviderArgs: t.ProviderArgs},
	}
	if t.PoPEnabled {
		if p.PoPClaims, err = options.ParsePoPClaims(t.PoPClaims); err != nil {
			return nil, err
		}
	}
	p.key = cache.Key{
		LoginMode:     t.LoginMode,
		AuthorityHost: authority,
		TenantID:      t.TenantID,
		ClientID:      t.ClientID,
		ServerID:      server,
		Legacy:        t.Legacy,
		Account:       p.Account,
	}
	return p, nil
}

// Bind completes the plan with what the caller found: the request to send
// (with the PoP request confirmation) and the cache key, which covers the
// fingerprinted files and, for PoP, the key and claims, so bearer and PoP
// tokens, or tokens bound to an old key, are never mixed up.
func (p *Plan) Bind(f Facts) (*sdk.Request, cache.Key) {
	req := p.req
	req.Scopes = slices.Clone(p.req.Scopes)
	req.Extra = maps.Clone(p.req.Extra)
	key := p.key
	e := p.extra
	e.CLIProfile = f.FingerprintDigest
	key.Extra = e.encode()
	if f.PoP != nil {
		req.PoP = &sdk.PoPRequest{ReqCnf: f.PoP.ReqCnf}
		key.PoPKeyID = f.PoP.Thumbprint
		key.PoPClaims = canonicalClaims(p.PoPClaims)
	}
	return &req, key
}

// account is whose token it is, as far as the settings say.
func account(t *options.Token) string {
	switch t.LoginMode {
	case options.ROPC:
		return t.Username
	case options.MSI:
		return t.IdentityResourceID
	}
	return t.LoginHint
}

// requestExtra is the request's provider-specific settings: --provider-arg
// as given, plus the first-party settings that have no field of their own.
func requestExtra(t *options.Token) map[string]string {
	if t.Subscription == "" && t.PipelinesConnectionID == "" && len(t.ProviderArgs) == 0 {
		return nil
	}
	m := maps.Clone(t.ProviderArgs)
	if m == nil {
		m = map[string]string{}
	}
	if t.Subscription != "" {
		m["subscription"] = t.Subscription
	}
	if t.PipelinesConnectionID != "" {
		m["service_connection_id"] = t.PipelinesConnectionID
	}
	return m
}

// keyExtra is the mode-specific part of the cache key: the settings that
// change which token is right without a field of their own in cache.Key.
type keyExtra struct {
	FederatedTokenFile string            `json:"f,omitempty"`
	Subscription       string            `json:"s,omitempty"`
	ProviderArgs       map[string]string `json:"p,omitempty"`
	CLIProfile         string            `json:"cli,omitempty"`
}

// encode is JSON: unambiguous, and the map comes out sorted.
func (e keyExtra) encode() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// canonicalClaims is claims as sorted "k=v,k2=v2", so the order the user
// wrote them in does not split the cache.
func canonicalClaims(claims map[string]string) string {
	pairs := make([]string, 0, len(claims))
	for _, k := range slices.Sorted(maps.Keys(claims)) {
		pairs = append(pairs, k+"="+claims[k])
	}
	return strings.Join(pairs, ",")
}

// cliProfiles are the files in which the Azure CLI and the Azure Developer
// CLI record who is signed in (and the default subscription): the config
// directory as resolved, its default under the home directory, and the files.
var cliProfiles = map[string]struct {
	dir     func(Env) string
	homeDir string
	files   []string
}{
	options.AzureCLI: {func(e Env) string { return e.AzureConfigDir }, ".azure", []string{"azureProfile.json"}},
	options.AzD:      {func(e Env) string { return e.AzdConfigDir }, ".azd", []string{"auth.json", "config.json"}},
}

// profileFiles are the sign-in files of mode's CLI; none for other modes,
// or when neither the config directory nor the home directory is known.
func profileFiles(mode string, env Env) []string {
	p, ok := cliProfiles[mode]
	if !ok {
		return nil
	}
	dir := p.dir(env)
	if dir == "" {
		if env.Home == "" {
			return nil
		}
		dir = filepath.Join(env.Home, p.homeDir)
	}
	files := make([]string, len(p.files))
	for i, name := range p.files {
		files[i] = filepath.Join(dir, name)
	}
	return files
}

// Digest fingerprints files for Facts.FingerprintDigest; read returns a
// file's content, and a file that cannot be read counts as empty (signed
// out). "" when there are no files.
func Digest(files []string, read func(path string) ([]byte, error)) string {
	if len(files) == 0 {
		return ""
	}
	h := sha256.New()
	for _, path := range files {
		b, _ := read(path)
		h.Write([]byte(filepath.Base(path)))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
