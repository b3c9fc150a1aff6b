package convert

import (
	"slices"
	"strconv"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
)

// flagValue reads a token flag's value from parsed options by flag name, so
// the command line and a kubeconfig's existing args are read alike.
func flagValue(t *options.Token, flag string) string { return t.Value(flag) }

// boolFlags are written as a bare --flag when true and left out when false.
var boolFlags = map[string]bool{
	"legacy": true, "use-azurerm-env-vars": true, "pop-enabled": true,
	"disable-environment-override": true, "disable-instance-discovery": true,
}

// tokenFlags are the token flags convert can write, to find explicit ones
// that were not written: every flag some mode takes, and the cache's.
var tokenFlags = func() []string {
	out := []string{"server-id", "cache-dir"}
	for _, m := range modes.All() {
		for _, f := range m.Flags() {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		for _, c := range m.Convert {
			if !slices.Contains(out, c.Name) {
				out = append(out, c.Name)
			}
		}
	}
	return out
}()

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

func (r resolver) value(flag string, from modes.Inherit) string {
	if changed(r.explicit, flag) {
		return flagValue(r.explicit, flag)
	}
	if from == modes.FromSameMode {
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
