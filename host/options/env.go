package options

import (
	"time"
)

// Getenv reads one environment variable; tests pass a map's lookup.
type Getenv func(string) (string, bool)

// ApplyEnv fills settings from the environment. The rule, documented in the
// README: a value given as a flag (on the command line or in the kubeconfig's
// args) wins over the environment, with two deliberate exceptions kept from
// upstream because users rely on them:
//   - AAD_LOGIN_METHOD replaces --login, to switch a kubeconfig's mode;
//   - service principal credentials travel as a pair: when no secret or
//     certificate was given as a flag, the client id comes from the same
//     environment that supplies the credential (the AKS workflow
//     `convert-kubeconfig -l spn` then `export AAD_SERVICE_PRINCIPAL_*`).
//
// --disable-environment-override turns all of it off.
func (o *Token) ApplyEnv(getenv Getenv) {
	if o.DisableEnvOverride {
		return
	}
	first := func(names ...string) (string, bool) {
		for _, n := range names {
			if v, ok := getenv(n); ok && v != "" {
				return v, true
			}
		}
		return "", false
	}
	fill := func(dst *string, flag string, names ...string) {
		if o.Changed(flag) && *dst != "" {
			return
		}
		if v, ok := first(names...); ok {
			*dst = v
		}
	}

	if v, ok := first("AAD_LOGIN_METHOD"); ok {
		o.LoginMode = v
	}

	idVars := []string{"AZURE_CLIENT_ID", "AAD_SERVICE_PRINCIPAL_CLIENT_ID"}
	secretVars := []string{"AZURE_CLIENT_SECRET", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET"}
	certVars := []string{"AZURE_CLIENT_CERTIFICATE_PATH", "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE"}
	certPassVars := []string{"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD"}
	tenantVars := []string{"AZURE_TENANT_ID"}
	if o.UseAzureRMEnvVars {
		idVars, secretVars, certVars = []string{"ARM_CLIENT_ID"}, []string{"ARM_CLIENT_SECRET"}, []string{"ARM_CLIENT_CERTIFICATE_PATH"}
		certPassVars, tenantVars = []string{"ARM_CLIENT_CERTIFICATE_PASSWORD"}, []string{"ARM_TENANT_ID"}
	}

	credFlagGiven := (o.Changed("client-secret") && o.ClientSecret != "") || (o.Changed("client-certificate") && o.ClientCertificate != "")
	_, envSecret := first(secretVars...)
	_, envCert := first(certVars...)
	if o.LoginMode == SPN && !credFlagGiven && (envSecret || envCert) {
		if v, ok := first(idVars...); ok {
			o.ClientID = v
		}
	} else {
		fill(&o.ClientID, "client-id", idVars...)
	}
	fill(&o.ClientSecret, "client-secret", secretVars...)
	fill(&o.ClientCertificate, "client-certificate", certVars...)
	fill(&o.ClientCertificatePassword, "client-certificate-password", certPassVars...)
	fill(&o.TenantID, "tenant-id", tenantVars...)
	fill(&o.Username, "username", "AZURE_USERNAME", "AAD_USER_PRINCIPAL_NAME")
	fill(&o.Password, "password", "AZURE_PASSWORD", "AAD_USER_PRINCIPAL_PASSWORD")
	fill(&o.AuthorityHost, "authority-host", "AZURE_AUTHORITY_HOST")
	if o.LoginMode == WorkloadIdentity {
		fill(&o.FederatedTokenFile, "federated-token-file", "AZURE_FEDERATED_TOKEN_FILE")
	}
	if o.LoginMode == AzurePipelines {
		fillEmpty := func(dst *string, name string) {
			if v, ok := first(name); ok && *dst == "" {
				*dst = v
			}
		}
		fillEmpty(&o.ClientID, "AZURESUBSCRIPTION_CLIENT_ID")
		fillEmpty(&o.TenantID, "AZURESUBSCRIPTION_TENANT_ID")
		fillEmpty(&o.PipelinesConnectionID, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
	}
	if !o.Changed("timeout") {
		if v, ok := first("AZURE_CLI_TIMEOUT"); ok {
			if d, err := time.ParseDuration(v); err == nil && d > 0 {
				o.Timeout = d
			}
		}
	}
}
