package convert

import (
	"strconv"

	"github.com/kubelogin-dev/kubelogin/host/options"
)

// flagValue reads a token flag's value from parsed options by flag name, so
// the command line and a kubeconfig's existing args are read alike.
func flagValue(t *options.Token, flag string) string {
	switch flag {
	case "server-id":
		return t.ServerID
	case "client-id":
		return t.ClientID
	case "client-secret":
		return t.ClientSecret
	case "client-certificate":
		return t.ClientCertificate
	case "client-certificate-password":
		return t.ClientCertificatePassword
	case "username":
		return t.Username
	case "password":
		return t.Password
	case "identity-resource-id":
		return t.IdentityResourceID
	case "federated-token-file":
		return t.FederatedTokenFile
	case "authority-host":
		return t.AuthorityHost
	case "azure-pipelines-service-connection-id":
		return t.PipelinesConnectionID
	case "cache-dir":
		return t.CacheDir
	case "tenant-id":
		return t.TenantID
	case "subscription":
		return t.Subscription
	case "environment":
		return t.Environment
	case "redirect-url":
		return t.RedirectURL
	case "login-hint":
		return t.LoginHint
	case "pop-claims":
		return t.PoPClaims
	case "legacy":
		return strconv.FormatBool(t.Legacy)
	case "use-azurerm-env-vars":
		return strconv.FormatBool(t.UseAzureRMEnvVars)
	case "pop-enabled":
		return strconv.FormatBool(t.PoPEnabled)
	case "disable-environment-override":
		return strconv.FormatBool(t.DisableEnvOverride)
	case "disable-instance-discovery":
		return strconv.FormatBool(t.DisableInstanceDiscovery)
	case "timeout":
		return t.Timeout.String()
	}
	return ""
}

// boolFlags are written as a bare --flag when true and left out when false.
var boolFlags = map[string]bool{
	"legacy": true, "use-azurerm-env-vars": true, "pop-enabled": true,
	"disable-environment-override": true, "disable-instance-discovery": true,
}

// tokenFlags are the token flags convert can write, to find explicit ones
// that were not written.
var tokenFlags = []string{
	"server-id", "client-id", "client-secret", "client-certificate", "client-certificate-password",
	"username", "password", "identity-resource-id", "federated-token-file", "authority-host",
	"azure-pipelines-service-connection-id", "cache-dir", "tenant-id", "subscription", "environment",
	"legacy", "use-azurerm-env-vars", "pop-enabled", "pop-claims", "timeout",
	"disable-environment-override", "disable-instance-discovery", "redirect-url", "login-hint",
}

// changed reports whether the flag was given; --token-cache-dir is an alias
// of --cache-dir.
func changed(t *options.Token, flag string) bool {
	if flag == "cache-dir" {
		return t.Changed("cache-dir") || t.Changed("token-cache-dir")
	}
	return t.Changed(flag)
}

// providerKeys maps flags to the azure auth-provider config keys that hold
// the same setting.
var providerKeys = map[string]string{
	"environment": "environment",
	"tenant-id":   "tenant-id",
	"client-id":   "client-id",
	"server-id":   "apiserver-id",
}

// resolver finds the value a converted user gets for a flag. Priority, as
// upstream: explicit flag > azure auth-provider config > existing exec arg.
type resolver struct {
	explicit *options.Token
	auth     auth
	mode     string // the target login mode
}

func (r resolver) value(flag string, from inherit) string {
	if changed(r.explicit, flag) {
		return flagValue(r.explicit, flag)
	}
	if from == fromSameMode {
		if r.auth.exec == nil || r.auth.exec.login != r.mode {
			return ""
		}
		return r.execValue(flag)
	}
	if r.auth.provider != nil {
		if flag == "legacy" {
			// AADv1 clusters: config-mode absent, "" or "0" means legacy.
			m := r.auth.provider["config-mode"]
			return strconv.FormatBool(m == "" || m == "0")
		}
		if v, ok := r.auth.provider[providerKeys[flag]]; ok && v != "" {
			return v
		}
	}
	return r.execValue(flag)
}

func (r resolver) execValue(flag string) string {
	if r.auth.exec == nil {
		return ""
	}
	if changed(r.auth.exec.args, flag) {
		return flagValue(r.auth.exec.args, flag)
	}
	if _, secret := secretEnv[flag]; secret {
		// A secret written earlier sits in the exec env (either name).
		for _, e := range r.auth.exec.env {
			if f, ok := isSecretEnv(e.name); ok && f == flag {
				_, v := mapGet(e.node, "value")
				return scalarString(v)
			}
		}
	}
	return ""
}
