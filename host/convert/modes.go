package convert

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// convertFlags lists what follows get-token --login MODE --server-id ID
// [--cache-dir DIR] for the mode: a first-party mode's table row, in
// upstream's order; for a third-party mode the flags of what its spec
// accepts, each kept only from a user already in that mode (its values
// mean nothing to another mode), then the run's bounds. Provider args that
// have no flag of their own follow as --provider-arg (see buildArgs).
func convertFlags(m modes.Mode) []modes.ConvertFlag {
	if _, firstParty := modes.Lookup(m.Spec.LoginMode); firstParty {
		return m.Convert
	}
	var out []modes.ConvertFlag
	for _, f := range m.Flags() {
		switch f {
		case "server-id", "provider-arg", "pop-claims":
			continue // written on their own
		case "pop-enabled":
			out = append(out, modes.ConvertFlag{Name: f})
		default:
			out = append(out, modes.ConvertFlag{Name: f, From: modes.FromSameMode})
		}
	}
	return append(out, modes.ConvertFlag{Name: "timeout"}, modes.ConvertFlag{Name: "disable-environment-override"})
}

// knownModes lists the first-party target modes in help order.
func knownModes() string { return strings.Join(modes.Names(), ", ") }

// hints say how to supply a required value that the kubeconfig lacks.
var hints = map[string]string{
	"server-id": "pass --server-id (AKS: 6dae42f8-4368-4678-94ff-3960e28e3630)",
	"client-id": "pass --client-id (AKS devicecode/interactive: 80faf920-1908-4b52-b5ef-a8e7bedfc67a)",
	"tenant-id": "pass --tenant-id",
}

// buildArgs is the get-token command line for one user, the secrets that
// go into its exec env instead (flag -> value), and the flags it wrote.
func buildArgs(userName string, r resolver, m modes.Mode) (args []string, secrets map[string]string, written map[string]bool, err error) {
	written, secrets = map[string]bool{}, map[string]string{}
	add := func(flag, v string) {
		switch {
		case secretEnv[flag].aad != "" && v != "":
			// Args are visible to every user in /proc/PID/cmdline while
			// kubectl runs kubelogin; the env is not.
			secrets[flag] = v
		case boolFlags[flag] && v == "true":
			args = append(args, "--"+flag)
		case boolFlags[flag] || v == "":
			return
		default:
			args = append(args, "--"+flag, v)
		}
		written[flag] = true
	}
	missing := func(flag string) error {
		return fmt.Errorf("user %q has no %s for -l %s: %s", userName, strings.ReplaceAll(flag, "-", " "), r.mode, hints[flag])
	}

	args = []string{"get-token", "--login", r.mode}
	if m.Spec.Accepts(sdk.SettingServerID) {
		server := r.value("server-id", modes.FromAny)
		if server == "" && m.Spec.Requires(sdk.SettingServerID) {
			return nil, nil, nil, missing("server-id")
		}
		add("server-id", server)
	}
	add("cache-dir", r.value("cache-dir", modes.FromAny))
	for _, s := range convertFlags(m) {
		if s.Name == "pop-enabled" {
			if err := addPoP(userName, r, add); err != nil {
				return nil, nil, nil, err
			}
			continue
		}
		v := r.value(s.Name, s.From)
		if s.Required && v == "" {
			return nil, nil, nil, missing(s.Name)
		}
		if s.Unless != "" && written[s.Unless] {
			continue
		}
		if s.Name == "environment" && v != "" {
			// Upstream silently uses the public cloud for an unknown name.
			if _, err := (&options.Token{Environment: v}).ResolvedAuthorityHost(); err != nil {
				return nil, nil, nil, fmt.Errorf("user %q: %w", userName, err)
			}
		}
		add(s.Name, v)
	}
	pargs, argSecrets, given, err := providerArgs(userName, r, m)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, kv := range pargs {
		args = append(args, "--provider-arg", kv)
		written["provider-arg"] = true
	}
	for name, v := range argSecrets {
		secrets[argSecretKey+name] = v
		written["provider-arg"] = true
		if given[name] {
			written[argSecretKey+name] = true
		}
	}
	if len(secrets) > 0 && written["disable-environment-override"] {
		return nil, nil, nil, fmt.Errorf("user %q: --disable-environment-override would make get-token ignore the exec env that holds its %s: drop it with --disable-environment-override=false, or export the secret instead of passing it", userName, secretNames(secrets))
	}
	return args, secrets, written, nil
}

// providerArgs are the mode's provider args that have no flag of their
// own, as NAME=VALUE in the spec's order: given with --provider-arg, else
// kept from a user already in the mode. An arg the spec declares secret is
// returned apart (name -> value), for the exec env (options.ArgVar); kept,
// it comes from that env entry, or from the args a conversion before
// secret args went to the env wrote. given names the secret args given
// with --provider-arg in this run. An arg the spec does not declare, or a
// required one without a value, is refused here rather than by every later
// get-token.
func providerArgs(userName string, r resolver, m modes.Mode) (out []string, secrets map[string]string, given map[string]bool, err error) {
	explicit := map[string]string{}
	if changed(r.explicit, "provider-arg") {
		explicit = r.explicit.ProviderArgs
	}
	for _, name := range slices.Sorted(maps.Keys(explicit)) {
		a, ok := m.Spec.Arg(name)
		if !ok || m.ArgFlag(a.Name) != "provider-arg" {
			how := "it takes no such provider arg"
			if ok {
				how = "pass it as --" + m.ArgFlag(a.Name)
			}
			return nil, nil, nil, fmt.Errorf("-l %s: --provider-arg %s: %s", r.mode, name, how)
		}
	}
	sameMode := r.auth.exec != nil && r.auth.exec.login == r.mode
	secrets, given = map[string]string{}, map[string]bool{}
	owner := map[string]string{} // variable -> secret arg
	for _, a := range m.Spec.Args {
		if m.ArgFlag(a.Name) != "provider-arg" {
			continue
		}
		v, ok := explicit[a.Name]
		if !ok && sameMode {
			v = r.auth.exec.args.ProviderArgs[a.Name]
			if kept, inEnv := r.auth.exec.envValue(options.ArgVar(a.Name)); a.Secret && inEnv {
				v = kept
			}
		}
		if v == "" {
			if a.Required {
				return nil, nil, nil, fmt.Errorf("user %q has no provider arg %s for -l %s (%s): pass --provider-arg %s=VALUE", userName, a.Name, r.mode, a.Description, a.Name)
			}
			continue
		}
		if !a.Secret {
			out = append(out, a.Name+"="+v)
			continue
		}
		name := options.ArgVar(a.Name)
		if other, dup := owner[name]; dup {
			return nil, nil, nil, fmt.Errorf("-l %s declares the secret provider args %s and %s, which share the exec env variable %s: ask the provider's author to rename one", r.mode, other, a.Name, name)
		}
		owner[name] = a.Name
		secrets[a.Name], given[a.Name] = v, ok
	}
	return out, secrets, given, nil
}

// argSecretKey marks a secret provider arg among buildArgs' secrets and
// written flags: argSecretKey+NAME.
const argSecretKey = "provider-arg:"

// secretEnvVar is the variable get-token reads a secret from
// (options.ApplyEnv): the AAD_* name, or the ARM_* one when the user's
// args ask for Terraform's variables.
type secretEnvVar struct{ aad, arm string }

// secretEnv maps each secret flag to its variables.
var secretEnv = map[string]secretEnvVar{
	"client-secret":               {"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "ARM_CLIENT_SECRET"},
	"client-certificate-password": {"AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD", "ARM_CLIENT_CERTIFICATE_PASSWORD"},
	"password":                    {"AAD_USER_PRINCIPAL_PASSWORD", ""},
}

// secretFlags are secretEnv's keys in the order entries are written.
var secretFlags = []string{"client-secret", "client-certificate-password", "password"}

// envName is the variable a secret is written to for a user whose args
// are args.
func envName(flag string, args []string) string {
	v := secretEnv[flag]
	if v.arm != "" && slices.Contains(args, "--use-azurerm-env-vars") {
		return v.arm
	}
	return v.aad
}

// isSecretEnv reports an env entry that holds one of kubelogin's secrets,
// under either name, and which flag's.
func isSecretEnv(name string) (flag string, ok bool) {
	for f, v := range secretEnv {
		if name == v.aad || (v.arm != "" && name == v.arm) {
			return f, true
		}
	}
	return "", false
}

// secretNames lists secrets by what they are, for messages.
func secretNames(secrets map[string]string) string {
	var out []string
	for _, f := range secretFlags {
		if _, ok := secrets[f]; ok {
			out = append(out, strings.ReplaceAll(f, "-", " "))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(secrets)) {
		if name, ok := strings.CutPrefix(key, argSecretKey); ok {
			out = append(out, "secret provider arg "+name)
		}
	}
	return strings.Join(out, " and ")
}

// addPoP writes --pop-enabled --pop-claims as a pair; claims without PoP
// enabled are dropped with it.
func addPoP(userName string, r resolver, add func(flag, v string)) error {
	if r.value("pop-enabled", modes.FromAny) != "true" {
		return nil
	}
	claims := r.value("pop-claims", modes.FromAny)
	if claims == "" {
		return fmt.Errorf("user %q has PoP enabled but no claims: pass --pop-claims \"u=<ARM id of the cluster>\" with --context", userName)
	}
	if _, err := options.ParsePoPClaims(claims); err != nil {
		return fmt.Errorf("user %q: %w", userName, err)
	}
	add("pop-enabled", "true")
	add("pop-claims", claims)
	return nil
}
