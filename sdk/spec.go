package sdk

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// ModeSpec is what one login mode takes and gives, declared in Describe. It
// is the contract the host enforces for the mode, before and after it starts
// the provider:
//   - it refuses a request that lacks a required setting, credential or
//     provider arg, with one line naming the flag or variable to set;
//   - it sends the mode only the settings and credentials the spec lists:
//     anything else arrives empty, so a secret never reaches a mode that did
//     not ask for it;
//   - it checks the token's audience when Token is TokenEntraID, and serves
//     an opaque token from its cache until the expiry the provider gave;
//   - it refuses --pop-enabled and --legacy for a mode without the capability;
//   - it fingerprints the InvalidationFiles into the cache key.
type ModeSpec struct {
	// LoginMode is the name users pass as --login: lower case letters,
	// digits and dashes.
	LoginMode string
	// Description is one line for help output.
	Description string
	// Settings lists the request settings the mode accepts, each once.
	Settings []SettingSpec
	// Credentials lists the credential kinds the mode accepts, each once.
	Credentials []CredentialKind
	// CredentialRequired means a request must carry at least one of them.
	CredentialRequired bool
	// Args are settings only this provider understands, passed with
	// --provider-arg NAME=VALUE and received in Request.Extra[NAME].
	Args []ProviderArg
	// Token says what the mode returns; TokenUnspecified is not a valid
	// declaration.
	Token        TokenKind
	Capabilities Capabilities
	// InvalidationFiles identify the signed-in account; a change to any of
	// them makes the host fetch a new token instead of serving its cache.
	InvalidationFiles []InvalidationFile
}

// Setting is a resolved request field a mode may take. The values equal the
// proto Setting numbers.
type Setting int32

// The settings, named by the Request fields they fill.
const (
	SettingUnspecified Setting = iota
	// SettingServerID fills ServerID and the Scopes or Resource the host
	// derives from it; every TokenEntraID mode requires it.
	SettingServerID
	SettingClientID
	SettingTenantID
	// SettingAuthorityHost is AuthorityHost as the user set it (else the
	// cloud's) and DisableInstanceDiscovery. A mode that accepts neither it
	// nor SettingEnvironment receives an empty AuthorityHost.
	SettingAuthorityHost
	// SettingEnvironment is the cloud name the host resolves into AuthorityHost.
	SettingEnvironment
	SettingLoginHint
	SettingRedirectURL
	// SettingFederatedTokenFile fills Credentials.FederatedTokenFile (a path).
	SettingFederatedTokenFile
	// SettingIdentityResourceID fills Credentials.IdentityResourceID.
	SettingIdentityResourceID
)

var settingNames = []string{"unspecified", "server id", "client id", "tenant id", "authority host", "environment",
	"login hint", "redirect URL", "federated token file", "identity resource id"}

// Settings lists every setting a mode can declare, in the order the host
// checks them.
func Settings() []Setting {
	out := make([]Setting, 0, len(settingNames)-1)
	for s := SettingServerID; int(s) < len(settingNames); s++ {
		out = append(out, s)
	}
	return out
}

func (s Setting) String() string {
	if s >= 0 && int(s) < len(settingNames) {
		return settingNames[s]
	}
	return fmt.Sprintf("setting(%d)", int32(s))
}

func (s Setting) known() bool { return s > SettingUnspecified && int(s) < len(settingNames) }

// SettingSpec is one accepted setting.
type SettingSpec struct {
	Setting  Setting
	Required bool
}

// Require declares a setting the mode cannot do without.
func Require(s Setting) SettingSpec { return SettingSpec{Setting: s, Required: true} }

// Accept declares a setting the mode uses when it is given.
func Accept(s Setting) SettingSpec { return SettingSpec{Setting: s} }

// CredentialKind groups the Credentials fields that go together. The values
// equal the proto CredentialKind numbers.
type CredentialKind int32

// The credential kinds.
const (
	CredentialUnspecified CredentialKind = iota
	// CredentialClientSecret is Credentials.ClientSecret.
	CredentialClientSecret
	// CredentialClientCertificate is Credentials.ClientCertificatePath and,
	// when the file has one, ClientCertificatePassword.
	CredentialClientCertificate
	// CredentialUsernamePassword is Credentials.Username and Password.
	CredentialUsernamePassword
)

var credentialNames = []string{"unspecified", "client secret", "client certificate", "username and password"}

func (k CredentialKind) String() string {
	if k >= 0 && int(k) < len(credentialNames) {
		return credentialNames[k]
	}
	return fmt.Sprintf("credential(%d)", int32(k))
}

func (k CredentialKind) known() bool {
	return k > CredentialUnspecified && int(k) < len(credentialNames)
}

// TokenKind says what a mode's token is, and so whether the host checks it.
// The values equal the proto TokenKind numbers.
type TokenKind int32

// The token kinds.
const (
	TokenUnspecified TokenKind = iota
	// TokenEntraID is an Entra ID access token for the request's server id:
	// the host refuses one whose audience is not the server id ("spn:"
	// followed by it for legacy requests).
	TokenEntraID
	// TokenOpaque is a token the host does not look into: no audience
	// check, and Token.ExpiresAt is required.
	TokenOpaque
)

func (k TokenKind) String() string {
	switch k {
	case TokenEntraID:
		return "Entra ID access token"
	case TokenOpaque:
		return "opaque token"
	}
	return fmt.Sprintf("token kind(%d)", int32(k))
}

// ProviderArg is a setting only one provider understands.
type ProviderArg struct {
	// Name is the key in --provider-arg NAME=VALUE and in Request.Extra.
	Name string
	// Description is one line for help output.
	Description string
	Required    bool
	// Secret values are never logged or shown by the host, and the cache
	// key holds only their hash. convert-kubeconfig writes them into the
	// kubeconfig's exec env as KUBELOGIN_PROVIDER_ARG_<NAME> (upper case,
	// '-' and '.' as '_'), not its args, and the host reads that variable
	// for this arg; the provider receives the value in Request.Extra only.
	Secret bool
}

// InvalidationFile is one file, as candidate paths tried in order. The host
// expands each (see Resolve) and fingerprints the first that expands.
type InvalidationFile struct {
	Paths []string
}

// Resolve returns the file's path: the first candidate whose references are
// all set and non-empty. "${NAME}" is the environment variable NAME as the
// provider receives it (env), "${arg:NAME}" the request's provider arg NAME,
// and a leading "~/" the user's home directory. Only braced references are
// expanded; "$NAME" stays literal. ok is false when no candidate expands.
func (f InvalidationFile) Resolve(env func(string) (string, bool), args map[string]string, home string) (path string, ok bool) {
	for _, p := range f.Paths {
		if out, ok := expandPath(p, env, args, home); ok {
			return out, true
		}
	}
	return "", false
}

func expandPath(p string, env func(string) (string, bool), args map[string]string, home string) (string, bool) {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home == "" {
			return "", false
		}
		p = home + "/" + rest
	}
	var b strings.Builder
	for {
		i := strings.Index(p, "${")
		if i < 0 {
			b.WriteString(p)
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			return "", false
		}
		ref := p[i+2 : i+j]
		var v string
		if name, isArg := strings.CutPrefix(ref, "arg:"); isArg {
			v = args[name]
		} else if env != nil {
			v, _ = env(ref)
		}
		if v == "" {
			return "", false
		}
		b.WriteString(p[:i])
		b.WriteString(v)
		p = p[i+j+1:]
	}
	return filepath.Clean(filepath.FromSlash(b.String())), true
}

var (
	modeNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	argNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)
	envNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	drivePattern    = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
)

// Accepts reports whether the mode takes setting s.
func (s ModeSpec) Accepts(setting Setting) bool {
	_, ok := s.setting(setting)
	return ok
}

// Requires reports whether a request must carry setting s.
func (s ModeSpec) Requires(setting Setting) bool {
	ss, ok := s.setting(setting)
	return ok && ss.Required
}

func (s ModeSpec) setting(setting Setting) (SettingSpec, bool) {
	for _, ss := range s.Settings {
		if ss.Setting == setting {
			return ss, true
		}
	}
	return SettingSpec{}, false
}

// AcceptsCredential reports whether the mode takes credential kind k.
func (s ModeSpec) AcceptsCredential(k CredentialKind) bool {
	for _, c := range s.Credentials {
		if c == k {
			return true
		}
	}
	return false
}

// Arg returns the provider arg called name.
func (s ModeSpec) Arg(name string) (ProviderArg, bool) {
	for _, a := range s.Args {
		if a.Name == name {
			return a, true
		}
	}
	return ProviderArg{}, false
}

// Validate reports every way the spec is not well-formed, so a host can
// refuse a provider whose declaration it cannot enforce.
func (s ModeSpec) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("login mode %q: "+format, append([]any{s.LoginMode}, args...)...))
	}
	if !modeNamePattern.MatchString(s.LoginMode) {
		bad("the name must be 1 to 63 lower case letters, digits and dashes")
	}
	if !oneLine(s.Description) {
		bad("the description must be one non-empty line")
	}
	seen := map[Setting]bool{}
	for _, ss := range s.Settings {
		switch {
		case !ss.Setting.known():
			bad("unknown setting %d", int32(ss.Setting))
		case seen[ss.Setting]:
			bad("setting %s is declared twice", ss.Setting)
		}
		seen[ss.Setting] = true
	}
	seenCred := map[CredentialKind]bool{}
	for _, k := range s.Credentials {
		switch {
		case !k.known():
			bad("unknown credential kind %d", int32(k))
		case seenCred[k]:
			bad("credential %s is declared twice", k)
		}
		seenCred[k] = true
	}
	if s.CredentialRequired && len(s.Credentials) == 0 {
		bad("requires a credential but accepts none")
	}
	seenArg := map[string]bool{}
	for _, a := range s.Args {
		switch {
		case !argNamePattern.MatchString(a.Name):
			bad("provider arg %q: the name must start with a lower case letter, then letters, digits, '_', '-' or '.'", a.Name)
		case seenArg[a.Name]:
			bad("provider arg %q is declared twice", a.Name)
		case !oneLine(a.Description):
			bad("provider arg %q: the description must be one non-empty line", a.Name)
		}
		seenArg[a.Name] = true
	}
	switch s.Token {
	case TokenEntraID:
		if !s.Requires(SettingServerID) {
			bad("an Entra ID access token is checked against the server id, so the mode must require it")
		}
	case TokenOpaque:
		if s.Capabilities.PoP || s.Capabilities.Legacy {
			bad("an opaque token cannot be a PoP or legacy (spn:) token: drop those capabilities")
		}
	default:
		bad("declare what the token is: an Entra ID access token or an opaque token")
	}
	for i, f := range s.InvalidationFiles {
		if len(f.Paths) == 0 {
			bad("invalidation file %d has no path", i+1)
		}
		for _, p := range f.Paths {
			if err := checkPath(p, seenArg); err != nil {
				bad("invalidation path %q: %v", p, err)
			}
		}
	}
	return errors.Join(errs...)
}

// checkPath checks a candidate path's syntax: absolute once expanded, and
// every reference braced, named and, for args, declared.
func checkPath(p string, args map[string]bool) error {
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "${") && !drivePattern.MatchString(p) {
		return errors.New(`not absolute: start with "/", "~/", a drive letter or a ${VARIABLE}`)
	}
	for rest := p; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return errors.New(`"${" without a closing "}"`)
		}
		ref := rest[i+2 : i+j]
		if name, isArg := strings.CutPrefix(ref, "arg:"); isArg {
			if !args[name] {
				return fmt.Errorf("${arg:%s} names no declared provider arg", name)
			}
		} else if !envNamePattern.MatchString(ref) {
			return fmt.Errorf("${%s} is not an environment variable name", ref)
		}
		rest = rest[i+j+1:]
	}
}

func oneLine(s string) bool {
	return strings.TrimSpace(s) != "" && !strings.ContainsAny(s, "\r\n")
}
