package options

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args []string, env map[string]string) (*Token, error) {
	t.Helper()
	o := &Token{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	o.ApplyEnv(GetToken, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return o, o.Validate()
}

func TestApplyEnvPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(*Token) string
	}{
		{
			name: "flag beats AZURE_CLIENT_ID for msi",
			args: []string{"-l", "msi", "--client-id", "flag-id"},
			env:  map[string]string{"AZURE_CLIENT_ID": "pod-id"},
			check: func(o *Token) string {
				return expect(o.ClientID, "flag-id")
			},
		},
		{
			name:  "env fills an absent client id",
			args:  []string{"-l", "msi"},
			env:   map[string]string{"AZURE_CLIENT_ID": "pod-id"},
			check: func(o *Token) string { return expect(o.ClientID, "pod-id") },
		},
		{
			name: "spn credentials from env travel with their client id",
			args: []string{"-l", "spn", "--client-id", "80faf920-aks-client", "--tenant-id", "t"},
			env:  map[string]string{"AAD_SERVICE_PRINCIPAL_CLIENT_ID": "spn-id", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET": "s3cret"},
			check: func(o *Token) string {
				return expect(o.ClientID, "spn-id") + expect(o.ClientSecret, "s3cret")
			},
		},
		{
			name: "AZURE_ pair wins over AAD_ pair",
			args: []string{"-l", "spn"},
			env: map[string]string{"AAD_SERVICE_PRINCIPAL_CLIENT_ID": "aad-id", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET": "aad",
				"AZURE_CLIENT_ID": "azure-id", "AZURE_CLIENT_SECRET": "azure"},
			check: func(o *Token) string { return expect(o.ClientID, "azure-id") + expect(o.ClientSecret, "azure") },
		},
		{
			name: "spn secret flag keeps its client id flag",
			args: []string{"-l", "spn", "--client-id", "flag-id", "--client-secret", "flag-secret"},
			env:  map[string]string{"AZURE_CLIENT_ID": "env-id", "AZURE_CLIENT_SECRET": "env-secret"},
			check: func(o *Token) string {
				return expect(o.ClientID, "flag-id") + expect(o.ClientSecret, "flag-secret")
			},
		},
		{
			name: "spn certificate from env",
			args: []string{"-l", "spn", "--client-id", "aks"},
			env:  map[string]string{"AZURE_CLIENT_ID": "cert-id", "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pfx", "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw"},
			check: func(o *Token) string {
				return expect(o.ClientID, "cert-id") + expect(o.ClientCertificate, "/c.pfx") + expect(o.ClientCertificatePassword, "pw")
			},
		},
		{
			name:  "terraform variables only with --use-azurerm-env-vars",
			args:  []string{"-l", "spn", "--use-azurerm-env-vars"},
			env:   map[string]string{"ARM_CLIENT_ID": "arm-id", "ARM_CLIENT_SECRET": "arm", "ARM_TENANT_ID": "arm-t", "AZURE_CLIENT_ID": "ignored"},
			check: func(o *Token) string { return expect(o.ClientID, "arm-id") + expect(o.TenantID, "arm-t") },
		},
		{
			name:  "AAD_LOGIN_METHOD switches the mode",
			args:  []string{"-l", "devicecode"},
			env:   map[string]string{"AAD_LOGIN_METHOD": "interactive"},
			check: func(o *Token) string { return expect(o.LoginMode, "interactive") },
		},
		{
			name:  "tenant flag beats AZURE_TENANT_ID",
			args:  []string{"--tenant-id", "flag-t"},
			env:   map[string]string{"AZURE_TENANT_ID": "env-t"},
			check: func(o *Token) string { return expect(o.TenantID, "flag-t") },
		},
		{
			name: "workload identity env",
			args: []string{"-l", "workloadidentity"},
			env:  map[string]string{"AZURE_CLIENT_ID": "wi", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token", "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/"},
			check: func(o *Token) string {
				return expect(o.FederatedTokenFile, "/var/run/token") + expect(o.AuthorityHost, "https://login.microsoftonline.com/")
			},
		},
		{
			name:  "federated token file env ignored by other modes",
			args:  []string{"-l", "spn"},
			env:   map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"},
			check: func(o *Token) string { return expect(o.FederatedTokenFile, "") },
		},
		{
			name: "pipelines variables fill only empty values",
			args: []string{"-l", "azurepipelines", "--tenant-id", "flag-t"},
			env:  map[string]string{"AZURESUBSCRIPTION_CLIENT_ID": "pipe-id", "AZURESUBSCRIPTION_TENANT_ID": "pipe-t", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "conn"},
			check: func(o *Token) string {
				return expect(o.ClientID, "pipe-id") + expect(o.TenantID, "flag-t") + expect(o.PipelinesConnectionID, "conn")
			},
		},
		{
			name:  "AZURE_CLI_TIMEOUT applies without --timeout",
			env:   map[string]string{"AZURE_CLI_TIMEOUT": "90s"},
			check: func(o *Token) string { return expect(o.Timeout.String(), (90 * time.Second).String()) },
		},
		{
			name:  "--timeout beats AZURE_CLI_TIMEOUT",
			args:  []string{"--timeout", "10s"},
			env:   map[string]string{"AZURE_CLI_TIMEOUT": "90s"},
			check: func(o *Token) string { return expect(o.Timeout.String(), "10s") },
		},
		{
			name:  "unparsable AZURE_CLI_TIMEOUT ignored",
			env:   map[string]string{"AZURE_CLI_TIMEOUT": "soon"},
			check: func(o *Token) string { return expect(o.Timeout.String(), DefaultTimeout.String()) },
		},
		{
			name: "--disable-environment-override ignores everything",
			args: []string{"-l", "spn", "--disable-environment-override"},
			env:  map[string]string{"AAD_LOGIN_METHOD": "msi", "AZURE_CLIENT_ID": "x", "AZURE_CLIENT_SECRET": "y", "AZURE_CLI_TIMEOUT": "1s"},
			check: func(o *Token) string {
				return expect(o.LoginMode, "spn") + expect(o.ClientID, "") + expect(o.ClientSecret, "") + expect(o.Timeout.String(), DefaultTimeout.String())
			},
		},
		{
			name:  "token-cache-dir alias",
			args:  []string{"--token-cache-dir", "/c"},
			check: func(o *Token) string { return expect(o.CacheDir, "/c") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parse(t, tt.args, tt.env)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if msg := tt.check(o); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func expect(got, want string) string {
	if got != want {
		return "got " + got + ", want " + want + "; "
	}
	return ""
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "ok", args: []string{"--server-id", "x"}},
		{name: "bad mode", args: []string{"-l", "Device Code"}, want: "is not a valid login mode"},
		{name: "authority not a URL", args: []string{"--authority-host", "login"}, want: "is not a URL"},
		{name: "authority without slash", args: []string{"--authority-host", "https://login.example"}, want: "trailing slash"},
		{name: "pop without claims", args: []string{"--pop-enabled"}, want: "--pop-claims is required"},
		{name: "claims without pop", args: []string{"--pop-claims", "u=x"}, want: "--pop-enabled is required"},
		{name: "claims without u", args: []string{"--pop-enabled", "--pop-claims", "a=b"}, want: "u claim"},
		{name: "claims malformed", args: []string{"--pop-enabled", "--pop-claims", "u"}, want: "key=value"},
		{name: "zero timeout", args: []string{"--timeout", "0s"}, want: "--timeout must be greater than zero"},
		{name: "unknown environment", args: []string{"-e", "AzureStackCloud"}, want: "--authority-host for other clouds"},
		{name: "known environment any case", args: []string{"-e", "azureusgovernment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.args, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestResolvedAuthorityHost(t *testing.T) {
	tests := map[string]string{
		"":                       "https://login.microsoftonline.com/",
		"AzurePublicCloud":       "https://login.microsoftonline.com/",
		"AzureCloud":             "https://login.microsoftonline.com/",
		"AzureUSGovernmentCloud": "https://login.microsoftonline.us/",
		"AZURECHINACLOUD":        "https://login.chinacloudapi.cn/",
	}
	for env, want := range tests {
		o := &Token{Environment: env}
		got, err := o.ResolvedAuthorityHost()
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", env, got, err, want)
		}
	}
	o := &Token{Environment: "AzureChinaCloud", AuthorityHost: "https://login.example/"}
	if got, _ := o.ResolvedAuthorityHost(); got != "https://login.example/" {
		t.Errorf("--authority-host must win over --environment, got %q", got)
	}
}
