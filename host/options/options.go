// Package options holds the token settings shared by get-token and
// convert-kubeconfig: their flags, how the environment fills them in, and
// their validation.
package options

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubelogin-dev/kubelogin/host/modes"
)

// DefaultTimeout bounds a whole get-token, user interaction included.
const DefaultTimeout = 60 * time.Second

// Token is every setting that decides which token to fetch and how.
type Token struct {
	LoginMode string
	ServerID  string
	ClientID  string
	// Credentials are kept apart so that a mode can be handed only those
	// its spec takes.
	Credentials
	IdentityResourceID       string
	FederatedTokenFile       string
	AuthorityHost            string
	PipelinesConnectionID    string
	CacheDir                 string
	TenantID                 string
	Subscription             string
	Environment              string
	Legacy                   bool
	UseAzureRMEnvVars        bool
	PoPEnabled               bool
	PoPClaims                string
	Timeout                  time.Duration
	DisableEnvOverride       bool
	DisableInstanceDiscovery bool
	RedirectURL              string
	LoginHint                string
	NoCache                  bool
	TokenStore               string
	ProviderArgs             map[string]string

	fs *pflag.FlagSet
}

// Credentials are the secrets and credential references a login mode may
// take: from flags, or from the environment (see Vars).
type Credentials struct {
	ClientSecret              string
	ClientCertificate         string
	ClientCertificatePassword string
	Username                  string
	Password                  string
	// OIDCRequestURL and OIDCRequestToken are a CI job's endpoint for
	// federated tokens and the bearer token for it; no flag sets them.
	OIDCRequestURL   string
	OIDCRequestToken string
}

// AddFlags binds the upstream-compatible token flags to fs.
func (o *Token) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	fs.StringVarP(&o.LoginMode, "login", "l", modes.DeviceCode, "login mode: "+strings.Join(modes.Names(), ", ")+", or any installed provider's mode (env AAD_LOGIN_METHOD overrides)")
	fs.StringVar(&o.ServerID, "server-id", "", "application id of the cluster's server app (AKS: 6dae42f8-4368-4678-94ff-3960e28e3630)")
	fs.StringVar(&o.ClientID, "client-id", "", "application id of the client app, service principal or managed identity")
	fs.StringVar(&o.ClientSecret, "client-secret", "", "service principal secret (prefer env AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET)")
	fs.StringVar(&o.ClientCertificate, "client-certificate", "", "service principal certificate: a .pfx file or a PEM file with certificate and key")
	fs.StringVar(&o.ClientCertificatePassword, "client-certificate-password", "", "password of the .pfx certificate")
	fs.StringVar(&o.Username, "username", "", "user principal name (ropc)")
	fs.StringVar(&o.Password, "password", "", "user password (ropc)")
	fs.StringVar(&o.IdentityResourceID, "identity-resource-id", "", "managed identity resource id (msi, when --client-id is not given)")
	fs.StringVar(&o.FederatedTokenFile, "federated-token-file", "", "file holding the federated token (workloadidentity)")
	fs.StringVar(&o.AuthorityHost, "authority-host", "", "Entra ID authority host with a trailing slash, for sovereign or private clouds (env AZURE_AUTHORITY_HOST)")
	fs.StringVar(&o.PipelinesConnectionID, "azure-pipelines-service-connection-id", "", "Azure Pipelines service connection id (azurepipelines)")
	fs.StringVar(&o.CacheDir, "cache-dir", "", "token cache directory (default $KUBECACHEDIR, else ~/.kube/cache/kubelogin)")
	fs.StringVar(&o.CacheDir, "token-cache-dir", "", "alias of --cache-dir")
	fs.StringVarP(&o.TenantID, "tenant-id", "t", "", "Entra ID tenant id")
	fs.StringVarP(&o.Subscription, "subscription", "s", "", "subscription for the Azure CLI (azurecli)")
	fs.StringVarP(&o.Environment, "environment", "e", "", "cloud: AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud")
	fs.BoolVar(&o.Legacy, "legacy", false, "request a v1 token whose audience has the spn: prefix (legacy Azure AD clusters)")
	fs.BoolVar(&o.UseAzureRMEnvVars, "use-azurerm-env-vars", false, "read service principal settings from Terraform's ARM_* variables")
	fs.BoolVar(&o.PoPEnabled, "pop-enabled", false, "request a Proof-of-Possession token (needs --pop-claims)")
	fs.StringVar(&o.PoPClaims, "pop-claims", "", "PoP claims as key=value pairs, must include u=<ARM id of the cluster>")
	fs.DurationVar(&o.Timeout, "timeout", DefaultTimeout, "limit for the whole token request, sign-in included (env AZURE_CLI_TIMEOUT when not given)")
	fs.BoolVar(&o.DisableEnvOverride, "disable-environment-override", false, "ignore kubelogin's settings variables (AAD_*, AZURE_*, ARM_*, KUBECACHEDIR, KUBELOGIN_TOKEN_STORE, KUBELOGIN_PROVIDER_ARG_*, CI job variables; see README)")
	fs.BoolVar(&o.DisableInstanceDiscovery, "disable-instance-discovery", false, "skip Entra instance discovery (private clouds, ADFS, emulators)")
	fs.StringVar(&o.RedirectURL, "redirect-url", "", "redirect URL for the browser sign-in (interactive)")
	fs.StringVar(&o.LoginHint, "login-hint", "", "account to preselect in the browser sign-in (interactive)")
	_ = fs.MarkHidden("token-cache-dir")
}

// AddNoCacheFlag adds the get-token-only switch that bypasses the cache.
func (o *Token) AddNoCacheFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.NoCache, "no-cache", false, "neither read nor write the token cache")
}

// AddTokenStoreFlag adds --token-store, which chooses how tokens are kept at rest (host/tokenstore); the
// commands that read or remove the cache take it too.
func (o *Token) AddTokenStoreFlag(fs *pflag.FlagSet) { TokenStoreFlag(fs, &o.TokenStore) }

// TokenStoreFlag binds --token-store to p.
func TokenStoreFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "token-store", "", "how tokens are kept at rest: auto (encrypted with a key the OS keeps, else 0600 files with a notice), encrypted, file or none (default auto, env KUBELOGIN_TOKEN_STORE)")
}

// AddProviderArgFlag adds get-token's way to pass settings that only a
// third-party provider understands: the host passes them through untouched
// (and keys the cache on them), since providers see no flags and none of
// kubelogin's settings variables.
func (o *Token) AddProviderArgFlag(fs *pflag.FlagSet) {
	fs.StringToStringVar(&o.ProviderArgs, "provider-arg", nil, "key=value setting for the login mode's provider, repeatable (for third-party providers)")
}

// Value is the flag's value as text ("true", "1m0s"), whether it came from
// the command line, the kubeconfig's args or the environment, so a mode's
// table row can name the flags it takes instead of the fields; "" for a
// flag that is not bound.
func (o *Token) Value(name string) string {
	if o.fs == nil {
		return ""
	}
	f := o.fs.Lookup(name)
	if f == nil {
		return ""
	}
	return f.Value.String()
}

// Changed reports whether the user gave the flag on the command line
// (kubeconfig args count: kubectl passes them as flags).
func (o *Token) Changed(name string) bool {
	return o.fs != nil && o.fs.Changed(name)
}

var modeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks what can be checked without knowing the login mode's provider.
func (o *Token) Validate() error {
	if !modeName.MatchString(o.LoginMode) {
		return fmt.Errorf("%q is not a valid login mode: use one of %s, or an installed provider's mode", o.LoginMode, strings.Join(modes.Names(), ", "))
	}
	if o.AuthorityHost != "" {
		u, err := url.ParseRequestURI(o.AuthorityHost)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("authority host %q is not a URL: give one like https://login.microsoftonline.com/", o.AuthorityHost)
		}
		if !strings.HasSuffix(o.AuthorityHost, "/") {
			return fmt.Errorf("authority host %q should have a trailing slash", o.AuthorityHost)
		}
	}
	if o.PoPEnabled && o.PoPClaims == "" {
		return fmt.Errorf("--pop-claims is required when specifying --pop-enabled")
	}
	if o.PoPClaims != "" && !o.PoPEnabled {
		return fmt.Errorf("--pop-enabled is required when specifying --pop-claims")
	}
	if o.PoPClaims != "" {
		if _, err := ParsePoPClaims(o.PoPClaims); err != nil {
			return err
		}
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("--timeout must be greater than zero, got %s", o.Timeout)
	}
	if _, err := o.ResolvedAuthorityHost(); err != nil {
		return err
	}
	return nil
}

// ParsePoPClaims splits "k=v,k2=v2" and requires the u claim.
func ParsePoPClaims(s string) (map[string]string, error) {
	claims := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("--pop-claims %q: each claim must be key=value, e.g. u=/subscriptions/.../managedClusters/NAME", s)
		}
		claims[k] = v
	}
	if claims["u"] == "" {
		return nil, fmt.Errorf("--pop-claims %q: the u claim (ARM resource id of the cluster) is required", s)
	}
	return claims, nil
}
