// Package modes is the host's one table of the first-party login modes.
//
// Each row holds the sdk.ModeSpec the mode's provider declares in Describe,
// so get-token, convert-kubeconfig and status can answer "what does this mode
// take?" without starting anything, and how convert-kubeconfig writes the
// mode into a kubeconfig. A test proves every row equal to its provider's
// Describe. A third-party mode has no row: the host reads its spec from its
// provider, and the helpers here that take a spec serve both.
//
// Adding a first-party mode is one row here plus its providers/<mode> folder.
package modes

import (
	"slices"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// The first-party login modes. Any other well-formed name is looked up as a
// third-party provider.
const (
	DeviceCode       = "devicecode"
	Interactive      = "interactive"
	SPN              = "spn"
	ROPC             = "ropc"
	MSI              = "msi"
	AzureCLI         = "azurecli"
	AzD              = "azd"
	WorkloadIdentity = "workloadidentity"
	AzurePipelines   = "azurepipelines"
)

// Mode is one row of the table.
type Mode struct {
	// Spec is what the mode's provider declares; the test holds them equal.
	Spec sdk.ModeSpec
	// ArgFlags names the get-token flag that carries each provider arg of
	// the spec: first-party args keep upstream's flags (--subscription).
	// An arg not listed is passed as --provider-arg NAME=VALUE.
	ArgFlags map[string]string
	// Convert lists the flags convert-kubeconfig writes after --login,
	// --server-id and --cache-dir, in upstream's order.
	Convert []ConvertFlag
}

// Inherit says which existing values convert-kubeconfig carries over into a
// flag the command line does not give.
type Inherit int

const (
	// FromAny takes the value from the user's auth-provider config or exec
	// args in any mode: it means the same in every mode (tenant, cloud).
	FromAny Inherit = iota
	// FromSameMode takes it only from exec args of a user already in the
	// target mode: such values mean something else in another mode (a
	// devicecode client id is a public app, an msi one an identity), so
	// upstream writes them only when given explicitly, and a re-conversion
	// to the same mode keeps them.
	FromSameMode
)

// ConvertFlag is one flag convert-kubeconfig writes for a mode.
type ConvertFlag struct {
	Name string
	From Inherit
	// Required makes convert-kubeconfig refuse a user without a value: the
	// kubeconfig must carry it (the spec's Required is checked at get-token,
	// after the environment had its say).
	Required bool
	// Unless skips the flag when the named flag was written (msi: a client
	// id beats a resource id).
	Unless string
}

// Shared tails: how to reach the cloud and bound the run matter to every
// mode that talks to Entra ID (upstream drops them; see the README).
var (
	authority   = ConvertFlag{Name: "authority-host"}
	discovery   = ConvertFlag{Name: "disable-instance-discovery"}
	timeout     = ConvertFlag{Name: "timeout"}
	envOverride = ConvertFlag{Name: "disable-environment-override"}
	// pop is written with --pop-claims as a pair.
	pop = ConvertFlag{Name: "pop-enabled"}
)

// Settings every Entra ID mode that signs in with an app registration takes.
var (
	serverID = sdk.Require(sdk.SettingServerID)
	clientID = sdk.Require(sdk.SettingClientID)
	tenantID = sdk.Require(sdk.SettingTenantID)
	cloud    = []sdk.SettingSpec{sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingAuthorityHost)}
)

// table lists the first-party modes in help order.
var table = []Mode{
	{
		Spec: sdk.ModeSpec{
			LoginMode:    DeviceCode,
			Description:  "sign in on any device with a browser by entering a code",
			Settings:     slices.Concat([]sdk.SettingSpec{serverID, clientID, tenantID}, cloud),
			Token:        sdk.TokenEntraID,
			Capabilities: sdk.Capabilities{Interactive: true, Legacy: true, Stateful: true},
		},
		Convert: []ConvertFlag{
			{Name: "client-id", Required: true}, {Name: "tenant-id", Required: true}, {Name: "environment"},
			{Name: "legacy"}, authority, discovery, timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   Interactive,
			Description: "sign in in a web browser on this machine",
			Settings: slices.Concat([]sdk.SettingSpec{serverID, clientID, tenantID}, cloud,
				[]sdk.SettingSpec{sdk.Accept(sdk.SettingLoginHint), sdk.Accept(sdk.SettingRedirectURL)}),
			Token:        sdk.TokenEntraID,
			Capabilities: sdk.Capabilities{Interactive: true, PoP: true, Stateful: true},
		},
		Convert: []ConvertFlag{
			{Name: "client-id", Required: true}, {Name: "tenant-id", Required: true}, {Name: "environment"},
			pop, {Name: "redirect-url"}, {Name: "login-hint"}, authority, discovery, timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:          SPN,
			Description:        "a service principal with a client secret or certificate",
			Settings:           slices.Concat([]sdk.SettingSpec{serverID, clientID, tenantID}, cloud),
			Credentials:        []sdk.CredentialKind{sdk.CredentialClientSecret, sdk.CredentialClientCertificate},
			CredentialRequired: true,
			Token:              sdk.TokenEntraID,
			Capabilities:       sdk.Capabilities{PoP: true, Legacy: true},
		},
		Convert: []ConvertFlag{
			{Name: "client-id", Required: true}, {Name: "tenant-id", Required: true}, {Name: "environment"},
			{Name: "client-secret", From: FromSameMode}, {Name: "client-certificate", From: FromSameMode},
			{Name: "client-certificate-password", From: FromSameMode}, {Name: "legacy"}, pop, envOverride,
			{Name: "use-azurerm-env-vars"}, authority, discovery, timeout,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:          ROPC,
			Description:        "a user name and password, for automation accounts without MFA",
			Settings:           slices.Concat([]sdk.SettingSpec{serverID, clientID, tenantID}, cloud),
			Credentials:        []sdk.CredentialKind{sdk.CredentialUsernamePassword},
			CredentialRequired: true,
			Token:              sdk.TokenEntraID,
			Capabilities:       sdk.Capabilities{PoP: true, Stateful: true},
		},
		Convert: []ConvertFlag{
			{Name: "client-id", Required: true}, {Name: "tenant-id", Required: true}, {Name: "environment"},
			// No --legacy: upstream's ropc ignores it, and this one refuses it
			// rather than hand a legacy cluster a token it cannot accept.
			{Name: "username", From: FromSameMode}, {Name: "password", From: FromSameMode}, pop,
			authority, discovery, timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   MSI,
			Description: "the managed identity of the Azure resource this runs on",
			Settings: []sdk.SettingSpec{
				serverID, sdk.Accept(sdk.SettingClientID), sdk.Accept(sdk.SettingIdentityResourceID),
			},
			Token: sdk.TokenEntraID,
		},
		Convert: []ConvertFlag{
			{Name: "client-id", From: FromSameMode},
			{Name: "identity-resource-id", From: FromSameMode, Unless: "client-id"},
			timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   AzureCLI,
			Description: "the account signed in to the Azure CLI (az login)",
			Settings:    []sdk.SettingSpec{serverID, sdk.Accept(sdk.SettingTenantID)},
			Args: []sdk.ProviderArg{
				{Name: "subscription", Description: "subscription az gets the token for (default: az's current one)"},
			},
			Token: sdk.TokenEntraID,
			InvalidationFiles: []sdk.InvalidationFile{
				{Paths: []string{"${AZURE_CONFIG_DIR}/azureProfile.json", "~/.azure/azureProfile.json"}},
			},
		},
		ArgFlags: map[string]string{"subscription": "subscription"},
		Convert: []ConvertFlag{
			// An inherited tenant is dropped on purpose (Azure/kubelogin#123):
			// az signed in with a managed identity cannot take one.
			{Name: "tenant-id", From: FromSameMode}, {Name: "subscription", From: FromSameMode}, timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   AzD,
			Description: "the account signed in to the Azure Developer CLI (azd auth login)",
			Settings:    []sdk.SettingSpec{serverID, sdk.Accept(sdk.SettingTenantID)},
			Token:       sdk.TokenEntraID,
			InvalidationFiles: []sdk.InvalidationFile{
				{Paths: []string{"${AZD_CONFIG_DIR}/auth.json", "~/.azd/auth.json"}},
				{Paths: []string{"${AZD_CONFIG_DIR}/config.json", "~/.azd/config.json"}},
			},
		},
		Convert: []ConvertFlag{{Name: "tenant-id", From: FromSameMode}, timeout, envOverride},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   WorkloadIdentity,
			Description: "a federated token from a file or a GitHub Actions job instead of a secret",
			Settings: []sdk.SettingSpec{
				serverID, clientID, tenantID,
				sdk.Accept(sdk.SettingAuthorityHost), sdk.Accept(sdk.SettingFederatedTokenFile),
			},
			Token: sdk.TokenEntraID,
		},
		Convert: []ConvertFlag{
			{Name: "client-id", From: FromSameMode}, {Name: "tenant-id", From: FromSameMode},
			{Name: "authority-host", From: FromSameMode}, {Name: "federated-token-file", From: FromSameMode},
			discovery, timeout, envOverride,
		},
	},
	{
		Spec: sdk.ModeSpec{
			LoginMode:   AzurePipelines,
			Description: "an Azure Pipelines service connection with workload identity federation",
			Settings:    []sdk.SettingSpec{serverID, clientID, tenantID, sdk.Accept(sdk.SettingAuthorityHost)},
			Args: []sdk.ProviderArg{
				{Name: "service_connection_id", Description: "id of the Azure Pipelines service connection to sign in with", Required: true},
			},
			Token: sdk.TokenEntraID,
		},
		ArgFlags: map[string]string{"service_connection_id": "azure-pipelines-service-connection-id"},
		Convert: []ConvertFlag{
			// The client id is never written: the pipeline supplies it.
			{Name: "tenant-id", Required: true}, {Name: "azure-pipelines-service-connection-id", From: FromSameMode},
			authority, discovery, timeout, envOverride,
		},
	},
}

// Lookup returns the row of a first-party mode (read-only, as All's).
func Lookup(mode string) (Mode, bool) {
	i := slices.IndexFunc(table, func(m Mode) bool { return m.Spec.LoginMode == mode })
	if i < 0 {
		return Mode{}, false
	}
	return table[i], true
}

// Names lists the first-party modes in help order.
func Names() []string {
	out := make([]string, len(table))
	for i, m := range table {
		out[i] = m.Spec.LoginMode
	}
	return out
}

// All returns every row in help order. Rows share their slices with the
// table: read them, never change them.
func All() []Mode { return slices.Clone(table) }

// HostFlags are the get-token flags every mode takes because the host
// itself uses them: mode selection, the cache and the run's bounds.
var HostFlags = []string{"login", "cache-dir", "token-cache-dir", "timeout", "disable-environment-override", "no-cache"}

// settingFlags are the flags that carry each setting.
var settingFlags = map[sdk.Setting][]string{
	sdk.SettingServerID:           {"server-id"},
	sdk.SettingClientID:           {"client-id"},
	sdk.SettingTenantID:           {"tenant-id"},
	sdk.SettingAuthorityHost:      {"authority-host", "disable-instance-discovery"},
	sdk.SettingEnvironment:        {"environment"},
	sdk.SettingLoginHint:          {"login-hint"},
	sdk.SettingRedirectURL:        {"redirect-url"},
	sdk.SettingFederatedTokenFile: {"federated-token-file"},
	sdk.SettingIdentityResourceID: {"identity-resource-id"},
}

// credentialFlags are the flags that carry each credential kind;
// use-azurerm-env-vars picks the ARM_* variables for secret and certificate.
var credentialFlags = map[sdk.CredentialKind][]string{
	sdk.CredentialClientSecret:      {"client-secret", "use-azurerm-env-vars"},
	sdk.CredentialClientCertificate: {"client-certificate", "client-certificate-password", "use-azurerm-env-vars"},
	sdk.CredentialUsernamePassword:  {"username", "password"},
}

// SettingFlags returns the get-token flags that carry setting s.
func SettingFlags(s sdk.Setting) []string { return slices.Clone(settingFlags[s]) }

// CredentialFlags returns the get-token flags that carry credential kind k.
func CredentialFlags(k sdk.CredentialKind) []string { return slices.Clone(credentialFlags[k]) }

// ArgFlag returns the flag that carries provider arg name for this mode, or
// "provider-arg" when it travels as --provider-arg name=VALUE.
func (m Mode) ArgFlag(name string) string {
	if f, ok := m.ArgFlags[name]; ok {
		return f
	}
	return "provider-arg"
}

// Flags lists, without duplicates and beyond HostFlags, the get-token flags
// that mean something to the mode: those of its settings, credentials,
// capabilities and provider args. A third-party mode is a Mode with only a
// Spec, so its args all travel as --provider-arg.
func (m Mode) Flags() []string {
	var out []string
	add := func(flags ...string) {
		for _, f := range flags {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	for _, s := range m.Spec.Settings {
		add(settingFlags[s.Setting]...)
	}
	for _, k := range m.Spec.Credentials {
		add(credentialFlags[k]...)
	}
	if m.Spec.Capabilities.Legacy {
		add("legacy")
	}
	if m.Spec.Capabilities.PoP {
		add("pop-enabled", "pop-claims")
	}
	for _, a := range m.Spec.Args {
		add(m.ArgFlag(a.Name))
	}
	return out
}

// Takes reports whether flag means something to the mode.
func (m Mode) Takes(flag string) bool {
	return slices.Contains(HostFlags, flag) || slices.Contains(m.Flags(), flag)
}
