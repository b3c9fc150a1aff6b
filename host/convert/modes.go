package convert

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/options"
)

// inherit says which existing values a mode takes over when the flag is not
// given on the command line.
type inherit int

const (
	// fromAny: auth-provider config or exec args of any mode; the value
	// means the same in every mode (tenant, cloud, cache dir).
	fromAny inherit = iota
	// fromSameMode: only exec args of a user already in the target mode.
	// Such values mean something else in another mode (a devicecode
	// client id is a public app, an msi one an identity), so upstream
	// writes them only when given explicitly; a re-conversion to the same
	// mode keeps them.
	fromSameMode
)

// setting is one flag a mode writes, in the order written.
type setting struct {
	flag     string
	from     inherit
	required bool
	unless   string // not written when this flag has a value (msi: client id beats resource id)
}

// Shared tails: how to reach the cloud and bound the run matter to every
// mode that talks to Entra ID; upstream drops them (see the README).
var (
	authority   = setting{flag: "authority-host"}
	discovery   = setting{flag: "disable-instance-discovery"}
	timeout     = setting{flag: "timeout"}
	envOverride = setting{flag: "disable-environment-override"}
	pop         = setting{flag: "pop-enabled"} // written with --pop-claims as a pair
)

// modeSettings lists per target mode what follows
// get-token --login MODE --server-id ID [--cache-dir DIR], in upstream's order.
var modeSettings = map[string][]setting{
	options.DeviceCode: {
		{flag: "client-id", required: true}, {flag: "tenant-id", required: true}, {flag: "environment"},
		{flag: "legacy"}, authority, discovery, timeout, envOverride,
	},
	options.Interactive: {
		{flag: "client-id", required: true}, {flag: "tenant-id", required: true}, {flag: "environment"},
		pop, {flag: "redirect-url"}, {flag: "login-hint"}, authority, discovery, timeout, envOverride,
	},
	options.SPN: {
		{flag: "client-id", required: true}, {flag: "tenant-id", required: true}, {flag: "environment"},
		{flag: "client-secret", from: fromSameMode}, {flag: "client-certificate", from: fromSameMode},
		{flag: "client-certificate-password", from: fromSameMode}, {flag: "legacy"}, pop, envOverride,
		{flag: "use-azurerm-env-vars"}, authority, discovery, timeout,
	},
	options.ROPC: {
		{flag: "client-id", required: true}, {flag: "tenant-id", required: true}, {flag: "environment"},
		// No --legacy: upstream's ropc ignores it, and this one refuses it
		// rather than hand a legacy cluster a token it cannot accept.
		{flag: "username", from: fromSameMode}, {flag: "password", from: fromSameMode}, pop,
		authority, discovery, timeout, envOverride,
	},
	options.MSI: {
		{flag: "client-id", from: fromSameMode},
		{flag: "identity-resource-id", from: fromSameMode, unless: "client-id"},
		timeout, envOverride,
	},
	options.AzureCLI: {
		// An inherited tenant is dropped on purpose (Azure/kubelogin#123):
		// az signed in with a managed identity cannot take one.
		{flag: "tenant-id", from: fromSameMode}, {flag: "subscription", from: fromSameMode}, timeout, envOverride,
	},
	options.AzD: {
		{flag: "tenant-id", from: fromSameMode}, timeout, envOverride,
	},
	options.WorkloadIdentity: {
		{flag: "client-id", from: fromSameMode}, {flag: "tenant-id", from: fromSameMode},
		{flag: "authority-host", from: fromSameMode}, {flag: "federated-token-file", from: fromSameMode},
		discovery, timeout, envOverride,
	},
	options.AzurePipelines: {
		// The client id is never written: the pipeline supplies it.
		{flag: "tenant-id", required: true}, {flag: "azure-pipelines-service-connection-id", from: fromSameMode},
		authority, discovery, timeout, envOverride,
	},
}

// knownModes lists the target modes in help order.
func knownModes() string {
	modes := make([]string, 0, len(modeSettings))
	for m := range modeSettings {
		modes = append(modes, m)
	}
	sort.Strings(modes)
	return strings.Join(modes, ", ")
}

// hints say how to supply a required value that the kubeconfig lacks.
var hints = map[string]string{
	"server-id": "pass --server-id (AKS: 6dae42f8-4368-4678-94ff-3960e28e3630)",
	"client-id": "pass --client-id (AKS devicecode/interactive: 80faf920-1908-4b52-b5ef-a8e7bedfc67a)",
	"tenant-id": "pass --tenant-id",
}

// buildArgs is the get-token command line for one user, the secrets that
// go into its exec env instead (flag -> value), and the flags it wrote.
func buildArgs(userName string, r resolver) (args []string, secrets map[string]string, written map[string]bool, err error) {
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
	server := r.value("server-id", fromAny)
	if server == "" {
		return nil, nil, nil, missing("server-id")
	}
	add("server-id", server)
	add("cache-dir", r.value("cache-dir", fromAny))
	for _, s := range modeSettings[r.mode] {
		if s == pop {
			if err := addPoP(userName, r, add); err != nil {
				return nil, nil, nil, err
			}
			continue
		}
		v := r.value(s.flag, s.from)
		if s.required && v == "" {
			return nil, nil, nil, missing(s.flag)
		}
		if s.unless != "" && written[s.unless] {
			continue
		}
		if s.flag == "environment" && v != "" {
			// Upstream silently uses the public cloud for an unknown name.
			if _, err := (&options.Token{Environment: v}).ResolvedAuthorityHost(); err != nil {
				return nil, nil, nil, fmt.Errorf("user %q: %w", userName, err)
			}
		}
		add(s.flag, v)
	}
	if len(secrets) > 0 && written["disable-environment-override"] {
		return nil, nil, nil, fmt.Errorf("user %q: --disable-environment-override would make get-token ignore the exec env that holds its %s: drop it with --disable-environment-override=false, or export the secret instead of passing it", userName, secretNames(secrets))
	}
	return args, secrets, written, nil
}

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
	return strings.Join(out, " and ")
}

// addPoP writes --pop-enabled --pop-claims as a pair; claims without PoP
// enabled are dropped with it.
func addPoP(userName string, r resolver, add func(flag, v string)) error {
	if r.value("pop-enabled", fromAny) != "true" {
		return nil
	}
	claims := r.value("pop-claims", fromAny)
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
