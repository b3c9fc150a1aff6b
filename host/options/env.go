package options

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Getenv reads one environment variable; tests pass a map's lookup.
type Getenv func(string) (string, bool)

// Command is who resolves: get-token reads every variable in Vars,
// convert-kubeconfig only those marked Convert (it writes no environment
// value into a kubeconfig).
type Command int

// The commands that resolve settings.
const (
	GetToken Command = iota
	Convert
)

// Resolved is what the environment says besides the token settings.
type Resolved struct {
	// Home is the user's home directory (HOME, else USERPROFILE); "" when
	// unknown.
	Home string
	// AzureConfigDir and AzdConfigDir are where az and azd keep their
	// sign-in (AZURE_CONFIG_DIR, AZD_CONFIG_DIR); "" means their default
	// under Home.
	AzureConfigDir string
	AzdConfigDir   string
	// CacheDirSource names where Token.CacheDir came from: "--cache-dir",
	// "KUBECACHEDIR", or "" for neither.
	CacheDirSource string
	// TokenStoreSource names where Token.TokenStore came from:
	// "--token-store", "KUBELOGIN_TOKEN_STORE", or "" for neither.
	TokenStoreSource string
}

// ApplyEnv is the host's one reader of kubelogin's settings in the
// environment. Driven by Vars, it fills the settings that flags (on the
// command line or in the kubeconfig's args) left unset, and returns where
// the user's files are. A flag wins over the environment, with two
// deliberate exceptions kept from upstream because users rely on them:
//   - AAD_LOGIN_METHOD replaces get-token's --login, to switch a
//     kubeconfig's mode;
//   - service principal credentials travel as a pair: when no secret or
//     certificate was given as a flag, the client id comes from the same
//     environment that supplies the credential (the AKS workflow
//     `convert-kubeconfig -l spn` then `export AAD_SERVICE_PRINCIPAL_*`).
//
// --disable-environment-override turns all of it off, except the Always
// variables, which say where files are rather than override a setting.
func (o *Token) ApplyEnv(cmd Command, getenv Getenv) Resolved {
	var r Resolved
	// status and remove-tokens bind these two flags alone, so a value
	// present before the environment is applied came from the flag.
	if o.CacheDir != "" {
		r.CacheDirSource = "--cache-dir"
	}
	if o.TokenStore != "" {
		r.TokenStoreSource = "--token-store"
	}
	// The mode decides which variables apply, so it is settled first.
	for _, v := range o.applicable(cmd, FieldLoginMode) {
		if val, ok := lookup(getenv, v.Name); ok {
			if cmd == GetToken || !o.Changed("login") {
				o.LoginMode = val
			}
			break
		}
	}
	filled := map[Field]bool{}
	if id, ok := o.pairedClientID(cmd, getenv); ok {
		o.ClientID = id
		filled[FieldClientID] = true
	}
	for _, v := range o.applicable(cmd, -1) {
		if v.Field == FieldLoginMode || filled[v.Field] {
			continue
		}
		val, ok := lookup(getenv, v.Name)
		if !ok {
			continue
		}
		dst, flagSet := o.field(v.Field, &r)
		switch v.Rule {
		case FillEmpty:
			if *dst != "" {
				continue
			}
			flagSet = false
		}
		if flagSet {
			continue
		}
		if v.Field == FieldTimeout {
			if d, err := time.ParseDuration(val); err == nil && d > 0 {
				o.Timeout = d
			}
		} else {
			*dst = val
		}
		switch v.Field {
		case FieldCacheDir:
			r.CacheDirSource = v.Name
		case FieldTokenStore:
			r.TokenStoreSource = v.Name
		}
		filled[v.Field] = true
	}
	return r
}

// applicable lists the variables of field (every field for -1) that this
// run reads, in rank order.
func (o *Token) applicable(cmd Command, field Field) []Var {
	var out []Var
	for _, v := range Vars {
		switch {
		case field >= 0 && v.Field != field,
			cmd == Convert && !v.Convert,
			o.DisableEnvOverride && v.Rule != Always,
			v.When == WithAzureRM && !o.UseAzureRMEnvVars,
			v.When == WithoutAzureRM && o.UseAzureRMEnvVars,
			v.Modes != nil && !slices.Contains(v.Modes, o.LoginMode):
			continue
		}
		out = append(out, v)
	}
	return out
}

// pairedClientID is the Paired rule: for spn with no secret or certificate
// given as a flag, the client id comes from the family of variables
// (AZURE_CLIENT_*, AAD_SERVICE_PRINCIPAL_CLIENT_*, ARM_CLIENT_*) that
// supplies the credential, over the flag and over other families. So a
// pod's AZURE_CLIENT_ID never pairs with a secret that convert-kubeconfig
// wrote as AAD_SERVICE_PRINCIPAL_CLIENT_SECRET.
func (o *Token) pairedClientID(cmd Command, getenv Getenv) (string, bool) {
	if o.LoginMode != modes.SPN || (o.Changed("client-secret") && o.ClientSecret != "") || (o.Changed("client-certificate") && o.ClientCertificate != "") {
		return "", false
	}
	for _, field := range []Field{FieldClientSecret, FieldClientCertificate} {
		for _, v := range o.applicable(cmd, field) {
			if _, ok := lookup(getenv, v.Name); !ok {
				continue
			}
			family := v.Name[:strings.Index(v.Name, "CLIENT_")+len("CLIENT_")]
			for _, id := range o.applicable(cmd, FieldClientID) {
				if id.Rule == Paired && id.Name == family+"ID" {
					return lookup(getenv, id.Name)
				}
			}
			return "", false
		}
	}
	return "", false
}

// field is where a variable's value goes, and whether a flag already set
// it. Timeout is parsed by the caller; dst is nil for it. A field without
// a destination counts as set, so it is never filled (a test checks that
// every variable in Vars has one).
func (o *Token) field(f Field, r *Resolved) (dst *string, flagSet bool) {
	given := func(flag string, p *string) (*string, bool) { return p, o.Changed(flag) && *p != "" }
	switch f {
	case FieldClientID:
		return given("client-id", &o.ClientID)
	case FieldClientSecret:
		return given("client-secret", &o.ClientSecret)
	case FieldClientCertificate:
		return given("client-certificate", &o.ClientCertificate)
	case FieldClientCertificatePassword:
		return given("client-certificate-password", &o.ClientCertificatePassword)
	case FieldTenantID:
		return given("tenant-id", &o.TenantID)
	case FieldUsername:
		return given("username", &o.Username)
	case FieldPassword:
		return given("password", &o.Password)
	case FieldAuthorityHost:
		return given("authority-host", &o.AuthorityHost)
	case FieldFederatedTokenFile:
		return given("federated-token-file", &o.FederatedTokenFile)
	case FieldPipelinesConnectionID:
		return given("azure-pipelines-service-connection-id", &o.PipelinesConnectionID)
	case FieldTimeout:
		return nil, o.Changed("timeout")
	case FieldCacheDir:
		return &o.CacheDir, r.CacheDirSource == "--cache-dir"
	case FieldTokenStore:
		return &o.TokenStore, r.TokenStoreSource == "--token-store"
	case FieldOIDCRequestURL:
		return &o.OIDCRequestURL, false
	case FieldOIDCRequestToken:
		return &o.OIDCRequestToken, false
	case FieldAzureConfigDir:
		return &r.AzureConfigDir, false
	case FieldAzdConfigDir:
		return &r.AzdConfigDir, false
	case FieldHome:
		return &r.Home, false
	}
	return nil, true
}

// lookup is a variable's value; set but empty counts as unset.
func lookup(getenv Getenv, name string) (string, bool) {
	if getenv == nil {
		return "", false
	}
	v, ok := getenv(name)
	return v, ok && v != ""
}

// ProviderEnv is the environment a provider starts with: environ, the
// environment kubelogin got (kubectl passes exec plugins its own), minus
// every variable in Vars that is not marked Keep, every secret provider
// arg's variable (ArgVarPrefix) and the host's own variables (HostVars).
// The settings the provider gets resolved, in its request, and only if its
// mode takes them. This is tidiness, not isolation: a provider runs as the
// user.
func ProviderEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !Removed(name) {
			out = append(out, kv)
		}
	}
	return out
}

// Removed reports whether ProviderEnv drops the variable name. Names are
// case-insensitive on Windows, as its environment is.
func Removed(name string) bool {
	equal := func(a, b string) bool { return a == b || (runtime.GOOS == "windows" && strings.EqualFold(a, b)) }
	for _, v := range Vars {
		if equal(v.Name, name) {
			return !v.Keep
		}
	}
	for _, v := range HostVars {
		if equal(v.Name, name) {
			return true
		}
	}
	return len(name) > len(ArgVarPrefix) && equal(name[:len(ArgVarPrefix)], ArgVarPrefix)
}

// ApplyArgEnv is the resolver's step for the login mode's own args, taken
// once its spec is known: a secret arg (args, the mode's declared ones)
// not given with --provider-arg comes from its variable, ArgVar(name),
// where convert-kubeconfig writes it so that it stays out of the exec
// args. Only secret args are read this way, and
// --disable-environment-override turns it off like every other setting.
// Two secret args whose names share a variable (a-b and a_b) cannot be
// told apart there: a set variable they share is refused.
func (o *Token) ApplyArgEnv(mode string, args []sdk.ProviderArg, getenv Getenv) error {
	if o.DisableEnvOverride {
		return nil
	}
	owner := map[string]string{}
	for _, a := range args {
		if !a.Secret {
			continue
		}
		name := ArgVar(a.Name)
		if other, dup := owner[name]; dup {
			if _, set := lookup(getenv, name); set {
				return fmt.Errorf("login mode %s declares the secret provider args %s and %s, which share the variable %s: pass them with --provider-arg instead, and ask the provider's author to rename one", mode, other, a.Name, name)
			}
			continue
		}
		owner[name] = a.Name
	}
	for _, a := range args {
		if !a.Secret || o.ProviderArgs[a.Name] != "" {
			continue
		}
		if v, ok := lookup(getenv, ArgVar(a.Name)); ok {
			if o.ProviderArgs == nil {
				o.ProviderArgs = map[string]string{}
			}
			o.ProviderArgs[a.Name] = v
		}
	}
	return nil
}
