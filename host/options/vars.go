package options

import (
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/modes"
)

// Field is the setting an environment variable supplies.
type Field int

// The fields the environment can set.
const (
	FieldLoginMode Field = iota
	FieldClientID
	FieldClientSecret
	FieldClientCertificate
	FieldClientCertificatePassword
	FieldTenantID
	FieldUsername
	FieldPassword
	FieldAuthorityHost
	FieldFederatedTokenFile
	FieldPipelinesConnectionID
	FieldTimeout
	FieldCacheDir
	FieldTokenStore
	FieldOIDCRequestURL
	FieldOIDCRequestToken
	FieldAzureConfigDir
	FieldAzdConfigDir
	FieldHome
)

// Rule is how a variable ranks against its flag.
type Rule int

// The precedence rules; README's environment table explains each.
const (
	// FlagFirst: used when the flag is not given (or given empty).
	FlagFirst Rule = iota
	// ModeSwitch: in get-token it replaces --login (the kubeconfig's), so
	// a kubeconfig's mode can be switched; convert-kubeconfig's own -l wins.
	ModeSwitch
	// Paired: a service principal's client id comes from the same family
	// of variables as its secret or certificate when no secret or
	// certificate flag is given (spn); otherwise FlagFirst.
	Paired
	// FillEmpty: fills only a value that neither a flag nor a variable
	// ranked above it set.
	FillEmpty
	// Only: no flag sets it; the variable is the only source.
	Only
	// Always: says where another program (az, azd) or the user keeps files;
	// read even with --disable-environment-override, because the program
	// the provider runs reads it too, and kept in the provider's environment.
	Always
)

// Cond limits a variable to runs with or without --use-azurerm-env-vars.
type Cond int

// The conditions.
const (
	Anyway Cond = iota
	WithoutAzureRM
	WithAzureRM
)

// Var is one environment variable kubelogin reads. Vars is the one place
// that declares them: the resolver, the provider's environment and the
// README's table all derive from it.
type Var struct {
	Name  string
	Field Field
	// Flag is the flag that sets the same value ("" for none).
	Flag string
	Rule Rule
	When Cond
	// Modes are the login modes that read it; nil means every mode.
	Modes []string
	// Secret values are never logged, and never reach a provider's
	// environment (no secret is Kept).
	Secret bool
	// Keep passes it on to the provider: a program the provider runs reads
	// it too. Every other variable here is removed from the provider's
	// environment, used or not; the provider gets the value in its request.
	Keep bool
	// Convert says convert-kubeconfig reads it too (get-token reads all).
	Convert bool
	// Note is a short remark for the README.
	Note string
}

// Vars are kubelogin's settings variables. Within one field the first
// variable set wins.
var Vars = []Var{
	{Name: "AAD_LOGIN_METHOD", Field: FieldLoginMode, Flag: "--login", Rule: ModeSwitch, Convert: true},

	{Name: "AZURE_CLIENT_ID", Field: FieldClientID, Flag: "--client-id", Rule: Paired, When: WithoutAzureRM},
	{Name: "AAD_SERVICE_PRINCIPAL_CLIENT_ID", Field: FieldClientID, Flag: "--client-id", Rule: Paired, When: WithoutAzureRM},
	{Name: "ARM_CLIENT_ID", Field: FieldClientID, Flag: "--client-id", Rule: Paired, When: WithAzureRM},
	{Name: "AZURE_CLIENT_SECRET", Field: FieldClientSecret, Flag: "--client-secret", When: WithoutAzureRM, Secret: true},
	{Name: "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", Field: FieldClientSecret, Flag: "--client-secret", When: WithoutAzureRM, Secret: true},
	{Name: "ARM_CLIENT_SECRET", Field: FieldClientSecret, Flag: "--client-secret", When: WithAzureRM, Secret: true},
	{Name: "AZURE_CLIENT_CERTIFICATE_PATH", Field: FieldClientCertificate, Flag: "--client-certificate", When: WithoutAzureRM},
	{Name: "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE", Field: FieldClientCertificate, Flag: "--client-certificate", When: WithoutAzureRM},
	{Name: "ARM_CLIENT_CERTIFICATE_PATH", Field: FieldClientCertificate, Flag: "--client-certificate", When: WithAzureRM},
	{Name: "AZURE_CLIENT_CERTIFICATE_PASSWORD", Field: FieldClientCertificatePassword, Flag: "--client-certificate-password", When: WithoutAzureRM, Secret: true},
	{Name: "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD", Field: FieldClientCertificatePassword, Flag: "--client-certificate-password", When: WithoutAzureRM, Secret: true},
	{Name: "ARM_CLIENT_CERTIFICATE_PASSWORD", Field: FieldClientCertificatePassword, Flag: "--client-certificate-password", When: WithAzureRM, Secret: true},
	{Name: "AZURE_TENANT_ID", Field: FieldTenantID, Flag: "--tenant-id", When: WithoutAzureRM},
	{Name: "ARM_TENANT_ID", Field: FieldTenantID, Flag: "--tenant-id", When: WithAzureRM},

	{Name: "AZURE_USERNAME", Field: FieldUsername, Flag: "--username"},
	{Name: "AAD_USER_PRINCIPAL_NAME", Field: FieldUsername, Flag: "--username"},
	{Name: "AZURE_PASSWORD", Field: FieldPassword, Flag: "--password", Secret: true},
	{Name: "AAD_USER_PRINCIPAL_PASSWORD", Field: FieldPassword, Flag: "--password", Secret: true},
	{Name: "AZURE_AUTHORITY_HOST", Field: FieldAuthorityHost, Flag: "--authority-host"},
	{Name: "AZURE_FEDERATED_TOKEN_FILE", Field: FieldFederatedTokenFile, Flag: "--federated-token-file", Modes: []string{modes.WorkloadIdentity}},

	{Name: "AZURESUBSCRIPTION_CLIENT_ID", Field: FieldClientID, Flag: "--client-id", Rule: FillEmpty, Modes: []string{modes.AzurePipelines}},
	{Name: "AZURESUBSCRIPTION_TENANT_ID", Field: FieldTenantID, Flag: "--tenant-id", Rule: FillEmpty, Modes: []string{modes.AzurePipelines}},
	{Name: "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", Field: FieldPipelinesConnectionID, Flag: "--azure-pipelines-service-connection-id", Rule: FillEmpty, Modes: []string{modes.AzurePipelines}},
	{Name: "SYSTEM_OIDCREQUESTURI", Field: FieldOIDCRequestURL, Rule: Only, Modes: []string{modes.AzurePipelines}, Note: "the job's OIDC endpoint"},
	{Name: "SYSTEM_ACCESSTOKEN", Field: FieldOIDCRequestToken, Rule: Only, Modes: []string{modes.AzurePipelines}, Secret: true, Note: "map `$(System.AccessToken)` into the task's env"},

	{Name: "ACTIONS_ID_TOKEN_REQUEST_URL", Field: FieldOIDCRequestURL, Rule: Only, Modes: []string{modes.WorkloadIdentity}, Note: "GitHub Actions; with the token, replaces the token file"},
	{Name: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", Field: FieldOIDCRequestToken, Rule: Only, Modes: []string{modes.WorkloadIdentity}, Secret: true, Note: "GitHub Actions (`permissions: id-token: write`)"},

	{Name: "AZURE_CLI_TIMEOUT", Field: FieldTimeout, Flag: "--timeout", Note: "a Go duration such as `90s`; other values are ignored"},
	{Name: "KUBECACHEDIR", Field: FieldCacheDir, Flag: "--cache-dir", Note: "also for `remove-tokens` and `status`"},
	{Name: "KUBELOGIN_TOKEN_STORE", Field: FieldTokenStore, Flag: "--token-store", Note: "`auto`, `encrypted`, `file` or `none`; also for `remove-tokens` and `status`"},

	{Name: "AZURE_CONFIG_DIR", Field: FieldAzureConfigDir, Rule: Always, Modes: []string{modes.AzureCLI}, Keep: true, Note: "az's sign-in, fingerprinted into the cache key"},
	{Name: "AZD_CONFIG_DIR", Field: FieldAzdConfigDir, Rule: Always, Modes: []string{modes.AzD}, Keep: true, Note: "azd's sign-in, fingerprinted into the cache key"},
	{Name: "HOME", Field: FieldHome, Rule: Always, Keep: true, Convert: true, Note: "the home directory: `~/.kube`, `~/.azure`, `~/.azd`"},
	{Name: "USERPROFILE", Field: FieldHome, Rule: Always, Keep: true, Convert: true, Note: "the home directory when HOME is not set (Windows)"},
}

// HostVar is an environment variable that tunes the host itself: where it
// finds providers and how it talks to them. These are not settings in the
// resolver's sense: they choose which program runs and how, the same for
// every kubeconfig user and every token, so they are not part of a token's
// settings and --disable-environment-override (which pins one user's token
// settings) does not apply to them. Their readers use the same names
// (host/provider, host/policy, sdk/protocol; a test checks). A provider
// never sees them: it has no use for them.
type HostVar struct {
	Name string
	// Note says what it does, for the README.
	Note string
}

// HostVars are the host's own variables.
var HostVars = []HostVar{
	{Name: "KUBELOGIN_PROVIDER_PATH", Note: "more directories to look for providers in, after kubelogin's own and before `PATH`; ignored under a policy"},
	{Name: "KUBELOGIN_POLICY", Note: "a provider policy file, used when no administrator's file exists"},
	{Name: "KUBELOGIN_PROVIDER_REATTACH", Note: "providers running under a debugger, attached to instead of started; refused under a policy"},
	{Name: "KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE", Note: "limit on each message from a provider: bytes, or a number with `KiB` or `MiB` (default 1MiB)"},
}

// ArgVarPrefix starts the variable that carries a secret provider arg (see
// ArgVar): convert-kubeconfig writes it into the exec env instead of the
// args, and get-token reads it for a secret arg its mode declares.
const ArgVarPrefix = "KUBELOGIN_PROVIDER_ARG_"

// ArgVar is the variable that carries the provider arg name: ArgVarPrefix
// and the name in upper case with '-' and '.' as '_' (arg names are
// [a-z][a-z0-9_.-]*), so "api-key" is KUBELOGIN_PROVIDER_ARG_API_KEY.
func ArgVar(name string) string {
	return ArgVarPrefix + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}
