// Package plan is get-token's decision step: from resolved settings and the
// login mode's spec it decides, without any I/O, whether the call is valid,
// what to ask the provider for, which cache entry answers the call, how the
// token is checked and whose token it is. It is the one place where the
// spec is enforced and settings turn into a provider request and a cache
// key, for first- and third-party modes alike; the caller only reads the
// files the plan names and hands back what it found (Facts).
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Env is what the plan may look at besides the settings, to find the
// mode's invalidation files.
type Env struct {
	// Getenv is the environment as the provider receives it
	// (options.ProviderEnv), so "${NAME}" in a spec means what it means to
	// the provider; nil for none.
	Getenv func(string) (string, bool)
	// Home is the user's home directory as the settings resolver found it.
	Home string
}

// Plan is one get-token call decided.
type Plan struct {
	// Audience is the aud the token must carry: the bare server id, or
	// "spn:<server id>" for a legacy (v1) token; "" for an opaque token,
	// which the host does not look into.
	Audience string
	// Account names whose token it is (login hint, ROPC user name or
	// managed identity); it separates cache entries.
	Account string
	// PoPClaims are the claims signed into every PoP token; nil for bearer
	// tokens.
	PoPClaims map[string]string
	// Fingerprint lists the files whose content is part of the cache key
	// (the spec's invalidation files), so signing in, out or switching
	// accounts there takes effect on the next call instead of when the
	// cached token expires.
	Fingerprint []string

	token sdk.TokenKind
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

// New plans a call in mode from settings that are already resolved
// (environment applied) and validated on their own. It refuses, with one
// line naming the flag or variable to set, what the mode's spec does not
// allow: a missing required setting, credential or provider arg, an
// undeclared provider arg, --pop-enabled or --legacy without the
// capability. The request carries only the settings and credentials the
// spec accepts. A third-party mode is a modes.Mode with only its Spec.
func New(t *options.Token, mode modes.Mode, env Env) (*Plan, error) {
	spec := mode.Spec
	if err := refuseCapabilities(t, spec); err != nil {
		return nil, err
	}
	args, err := providerArgs(t, mode)
	if err != nil {
		return nil, err
	}
	if err := checkRequired(t, mode, args); err != nil {
		return nil, err
	}
	// Validate has checked it; for a mode that takes no cloud, an unknown
	// --environment stays an error too, as it always was.
	authority, err := t.ResolvedAuthorityHost()
	if err != nil {
		return nil, err
	}

	// The host alone decides scope versus resource: a v2 scope
	// "<server-id>/.default" whose tokens carry the bare server id, or with
	// --legacy a v1 resource whose tokens carry "spn:<server-id>".
	server := strings.TrimSuffix(t.ServerID, "/")
	audience := ""
	if spec.Token == sdk.TokenEntraID {
		audience = strings.TrimSuffix(server, "/.default")
		if t.Legacy {
			audience = "spn:" + audience
		}
	}

	accepts := spec.Accepts
	req := sdk.Request{
		LoginMode:   t.LoginMode,
		Legacy:      t.Legacy,
		Timeout:     t.Timeout,
		Credentials: credentials(t, spec),
	}
	if accepts(sdk.SettingServerID) && t.ServerID != "" {
		scope := server
		if !strings.HasSuffix(scope, "/.default") {
			scope += "/.default"
		}
		req.Scopes, req.Resource = []string{scope}, server
	}
	set := func(s sdk.Setting, dst *string, v string) {
		if accepts(s) {
			*dst = v
		}
	}
	set(sdk.SettingClientID, &req.ClientID, t.ClientID)
	set(sdk.SettingTenantID, &req.TenantID, t.TenantID)
	set(sdk.SettingLoginHint, &req.LoginHint, t.LoginHint)
	set(sdk.SettingRedirectURL, &req.RedirectURL, t.RedirectURL)
	if accepts(sdk.SettingAuthorityHost) || accepts(sdk.SettingEnvironment) {
		req.AuthorityHost, req.DisableInstanceDiscovery = authority, t.DisableInstanceDiscovery
	}
	if len(args) > 0 {
		req.Extra = args
	}

	p := &Plan{
		req:         req,
		token:       spec.Token,
		Audience:    audience,
		Account:     account(t, spec),
		Fingerprint: invalidationFiles(spec, args, env),
		extra:       keyExtra{FederatedTokenFile: req.Credentials.FederatedTokenFile, ProviderArgs: keyArgs(args, spec)},
	}
	if t.PoPEnabled {
		if p.PoPClaims, err = options.ParsePoPClaims(t.PoPClaims); err != nil {
			return nil, err
		}
	}
	// The key keeps the settings it always had, accepted or not, so the
	// entries of earlier versions still answer; a setting the mode ignores
	// can split the cache but never mix two identities.
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

// refuseCapabilities refuses what the mode cannot serve before anything
// starts.
func refuseCapabilities(t *options.Token, spec sdk.ModeSpec) error {
	if t.PoPEnabled && !spec.Capabilities.PoP {
		return fmt.Errorf("login mode %s does not support --pop-enabled: drop --pop-enabled and --pop-claims, or use a mode that supports PoP such as spn", t.LoginMode)
	}
	if t.Legacy && !spec.Capabilities.Legacy {
		return fmt.Errorf("login mode %s does not support --legacy: remove it (only legacy Azure AD clusters need it), or use devicecode or spn", t.LoginMode)
	}
	return nil
}

// providerArgs are the mode's provider args: from the flag the table names
// for it (--subscription), else from --provider-arg. An arg the spec does
// not declare is refused rather than silently dropped.
func providerArgs(t *options.Token, mode modes.Mode) (map[string]string, error) {
	spec := mode.Spec
	for _, name := range slices.Sorted(maps.Keys(t.ProviderArgs)) {
		if _, ok := spec.Arg(name); !ok {
			return nil, fmt.Errorf("login mode %s takes no provider arg %q: remove --provider-arg %s=...%s", t.LoginMode, name, name, declaredArgs(spec))
		}
	}
	var out map[string]string
	for _, a := range spec.Args {
		v := t.ProviderArgs[a.Name]
		if flag, ok := mode.ArgFlags[a.Name]; ok {
			if fv := t.Value(flag); fv != "" {
				v = fv
			}
		}
		if v == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[a.Name] = v
	}
	return out, nil
}

func declaredArgs(spec sdk.ModeSpec) string {
	if len(spec.Args) == 0 {
		return " (it takes none)"
	}
	names := make([]string, len(spec.Args))
	for i, a := range spec.Args {
		names[i] = a.Name
	}
	return " (it takes " + strings.Join(names, ", ") + ")"
}

// checkRequired refuses a call that lacks what the spec requires, in the
// order settings, credential, provider args.
func checkRequired(t *options.Token, mode modes.Mode, args map[string]string) error {
	spec := mode.Spec
	for _, s := range sdk.Settings() {
		if !spec.Requires(s) || settingValue(t, s) != "" {
			continue
		}
		if s == sdk.SettingServerID {
			return errors.New("--server-id is required: give the cluster's server application id (AKS-managed Entra ID: 6dae42f8-4368-4678-94ff-3960e28e3630)")
		}
		flag := modes.SettingFlags(s)[0]
		return fmt.Errorf("--%s is required for -l %s: pass it%s", flag, t.LoginMode, orVariables(t, flag))
	}
	if spec.CredentialRequired && !anyCredential(t, spec) {
		var ways []string
		for _, k := range spec.Credentials {
			switch k {
			case sdk.CredentialClientSecret:
				ways = append(ways, "--client-secret"+orVariables(t, "client-secret"))
			case sdk.CredentialClientCertificate:
				ways = append(ways, "--client-certificate"+orVariables(t, "client-certificate"))
			case sdk.CredentialUsernamePassword:
				ways = append(ways, "--username and --password"+orVariables(t, "username", "password"))
			}
		}
		return fmt.Errorf("-l %s needs a %s: pass %s", t.LoginMode, credentialNames(spec), strings.Join(ways, "; or "))
	}
	for _, a := range spec.Args {
		if !a.Required || args[a.Name] != "" {
			continue
		}
		if flag, ok := mode.ArgFlags[a.Name]; ok {
			return fmt.Errorf("--%s is required for -l %s (%s): pass it%s", flag, t.LoginMode, a.Description, orVariables(t, flag))
		}
		if a.Secret && !t.DisableEnvOverride {
			return fmt.Errorf("-l %s needs the secret provider arg %s (%s): set %s in the exec env (convert-kubeconfig --provider-arg %s=VALUE writes it there), or add --provider-arg %s=VALUE to get-token's args", t.LoginMode, a.Name, a.Description, options.ArgVar(a.Name), a.Name, a.Name)
		}
		return fmt.Errorf("-l %s needs provider arg %s (%s): add --provider-arg %s=VALUE to get-token's args", t.LoginMode, a.Name, a.Description, a.Name)
	}
	return nil
}

// settingValue is the resolved value of setting s, "" when unset.
func settingValue(t *options.Token, s sdk.Setting) string {
	switch s {
	case sdk.SettingServerID:
		return t.ServerID
	case sdk.SettingClientID:
		return t.ClientID
	case sdk.SettingTenantID:
		return t.TenantID
	case sdk.SettingAuthorityHost:
		if t.AuthorityHost != "" {
			return t.AuthorityHost
		}
		return t.Environment
	case sdk.SettingEnvironment:
		return t.Environment
	case sdk.SettingLoginHint:
		return t.LoginHint
	case sdk.SettingRedirectURL:
		return t.RedirectURL
	case sdk.SettingFederatedTokenFile:
		return t.FederatedTokenFile
	case sdk.SettingIdentityResourceID:
		return t.IdentityResourceID
	}
	return ""
}

// orVariables names the environment variables that would set the flags in
// this run, as ", or set A or B".
func orVariables(t *options.Token, flags ...string) string {
	if t.DisableEnvOverride {
		return ""
	}
	var names []string
	for _, flag := range flags {
		for _, v := range options.Vars {
			switch {
			case v.Flag != "--"+flag,
				v.When == options.WithAzureRM && !t.UseAzureRMEnvVars,
				v.When == options.WithoutAzureRM && t.UseAzureRMEnvVars,
				v.Modes != nil && !slices.Contains(v.Modes, t.LoginMode):
				continue
			}
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ", or set " + strings.Join(names, " or ")
}

func credentialNames(spec sdk.ModeSpec) string {
	names := make([]string, len(spec.Credentials))
	for i, k := range spec.Credentials {
		names[i] = k.String()
	}
	return strings.Join(names, " or ")
}

// anyCredential reports whether the settings carry a complete credential
// of a kind the mode accepts.
func anyCredential(t *options.Token, spec sdk.ModeSpec) bool {
	c := credentials(t, spec)
	return c.ClientSecret != "" || c.ClientCertificatePath != "" || (c.Username != "" && c.Password != "")
}

// credentials are the credentials the mode's spec takes; every other one
// stays empty, so a secret never reaches a mode that did not declare it.
func credentials(t *options.Token, spec sdk.ModeSpec) sdk.Credentials {
	var c sdk.Credentials
	if spec.AcceptsCredential(sdk.CredentialClientSecret) {
		c.ClientSecret = t.ClientSecret
	}
	if spec.AcceptsCredential(sdk.CredentialClientCertificate) {
		c.ClientCertificatePath, c.ClientCertificatePassword = t.ClientCertificate, t.ClientCertificatePassword
	}
	if spec.AcceptsCredential(sdk.CredentialUsernamePassword) {
		c.Username, c.Password = t.Username, t.Password
	}
	if spec.Accepts(sdk.SettingFederatedTokenFile) {
		c.FederatedTokenFile = t.FederatedTokenFile
	}
	if spec.Accepts(sdk.SettingIdentityResourceID) {
		c.IdentityResourceID = t.IdentityResourceID
	}
	// The resolver reads a CI job's OIDC endpoint only for the modes that
	// federate with it (options.Vars), so what is set is theirs.
	c.OIDCRequestURL, c.OIDCRequestToken = t.OIDCRequestURL, t.OIDCRequestToken
	return c
}

// account is whose token it is, as far as the settings say: the user of a
// user name and password, else the managed identity, else the login hint.
func account(t *options.Token, spec sdk.ModeSpec) string {
	switch {
	case spec.AcceptsCredential(sdk.CredentialUsernamePassword):
		return t.Username
	case spec.Accepts(sdk.SettingIdentityResourceID):
		return t.IdentityResourceID
	}
	return t.LoginHint
}

// invalidationFiles resolves the spec's invalidation files as the provider
// would see them; a file none of whose candidates expands is left out.
func invalidationFiles(spec sdk.ModeSpec, args map[string]string, env Env) []string {
	var out []string
	for _, f := range spec.InvalidationFiles {
		if path, ok := f.Resolve(env.Getenv, args, env.Home); ok {
			out = append(out, path)
		}
	}
	return out
}

// keyArgs are the provider args as the cache key holds them: a secret one
// by its hash only.
func keyArgs(args map[string]string, spec sdk.ModeSpec) map[string]string {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]string, len(args))
	for name, v := range args {
		if a, _ := spec.Arg(name); a.Secret {
			sum := sha256.Sum256([]byte(v))
			v = "sha256:" + hex.EncodeToString(sum[:])
		}
		out[name] = v
	}
	return out
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

// Check is what the host requires of a token beyond its audience (which
// the cache pipeline checks against Audience): an opaque token is served
// until the expiry its provider gives, so it must give one.
func (p *Plan) Check(tok *sdk.Token) error {
	if p.token == sdk.TokenOpaque && tok.ExpiresAt.IsZero() {
		return fmt.Errorf("the provider of login mode %s returned an opaque token without an expiry: its provider must set one (Token.ExpiresAt)", p.req.LoginMode)
	}
	return nil
}

// keyExtra is the mode-specific part of the cache key: the settings that
// change which token is right without a field of their own in cache.Key.
type keyExtra struct {
	FederatedTokenFile string            `json:"f,omitempty"`
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
