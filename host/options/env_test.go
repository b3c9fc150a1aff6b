package options

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

func resolve(t *testing.T, cmd Command, args []string, env map[string]string) (*Token, Resolved) {
	t.Helper()
	o := &Token{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	o.AddTokenStoreFlag(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	r := o.ApplyEnv(cmd, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return o, r
}

// TestEveryVariable lists every variable in Vars with its precedence: what
// a run gets from the variable alone, and from the variable and its flag
// together. The variable's value is "env", its flag's "flag".
func TestEveryVariable(t *testing.T) {
	get := func(f func(*Token) string) func(*Token, Resolved) string {
		return func(o *Token, _ Resolved) string { return f(o) }
	}
	clientID := get(func(o *Token) string { return o.ClientID })
	secret := get(func(o *Token) string { return o.ClientSecret })
	cert := get(func(o *Token) string { return o.ClientCertificate })
	certPW := get(func(o *Token) string { return o.ClientCertificatePassword })
	tenant := get(func(o *Token) string { return o.TenantID })
	user := get(func(o *Token) string { return o.Username })
	password := get(func(o *Token) string { return o.Password })
	oidcURL := get(func(o *Token) string { return o.OIDCRequestURL })
	oidcToken := get(func(o *Token) string { return o.OIDCRequestToken })
	home := func(_ *Token, r Resolved) string { return r.Home }
	spnSecret := map[string]string{"AZURE_CLIENT_SECRET": "s"}
	tests := []struct {
		name     string            // the variable
		args     []string          // mode and conditions
		flag     string            // the flag that sets the same, "" for none
		env      map[string]string // other variables
		get      func(*Token, Resolved) string
		alone    string // from the variable alone
		withFlag string // from variable and flag
	}{
		{name: "AAD_LOGIN_METHOD", flag: "--login", get: get(func(o *Token) string { return o.LoginMode }), alone: "env", withFlag: "env"},
		{name: "AZURE_CLIENT_ID", args: []string{"-l", "msi"}, flag: "--client-id", get: clientID, alone: "env", withFlag: "flag"},
		{name: "AZURE_CLIENT_ID", args: []string{"-l", "spn"}, flag: "--client-id", env: spnSecret, get: clientID, alone: "env", withFlag: "env"},
		// A pod's AZURE_CLIENT_ID does not pair with a secret convert-kubeconfig wrote as AAD_*.
		{name: "AZURE_CLIENT_ID", args: []string{"-l", "spn"}, flag: "--client-id", env: map[string]string{"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET": "s"}, get: clientID, alone: "env", withFlag: "flag"},
		{name: "AAD_SERVICE_PRINCIPAL_CLIENT_ID", args: []string{"-l", "devicecode"}, flag: "--client-id", get: clientID, alone: "env", withFlag: "flag"},
		{name: "AAD_SERVICE_PRINCIPAL_CLIENT_ID", args: []string{"-l", "spn"}, flag: "--client-id", env: map[string]string{"AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE": "/c"}, get: clientID, alone: "env", withFlag: "env"},
		{name: "ARM_CLIENT_ID", args: []string{"-l", "spn", "--use-azurerm-env-vars"}, flag: "--client-id", env: map[string]string{"ARM_CLIENT_SECRET": "s"}, get: clientID, alone: "env", withFlag: "env"},
		{name: "ARM_CLIENT_ID", args: []string{"-l", "spn"}, flag: "--client-id", env: spnSecret, get: clientID, alone: "", withFlag: "flag"},
		{name: "AZURE_CLIENT_SECRET", args: []string{"-l", "spn"}, flag: "--client-secret", get: secret, alone: "env", withFlag: "flag"},
		{name: "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", args: []string{"-l", "spn"}, flag: "--client-secret", get: secret, alone: "env", withFlag: "flag"},
		{name: "ARM_CLIENT_SECRET", args: []string{"-l", "spn", "--use-azurerm-env-vars"}, flag: "--client-secret", get: secret, alone: "env", withFlag: "flag"},
		{name: "AZURE_CLIENT_CERTIFICATE_PATH", args: []string{"-l", "spn"}, flag: "--client-certificate", get: cert, alone: "env", withFlag: "flag"},
		{name: "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE", args: []string{"-l", "spn"}, flag: "--client-certificate", get: cert, alone: "env", withFlag: "flag"},
		{name: "ARM_CLIENT_CERTIFICATE_PATH", args: []string{"-l", "spn", "--use-azurerm-env-vars"}, flag: "--client-certificate", get: cert, alone: "env", withFlag: "flag"},
		{name: "AZURE_CLIENT_CERTIFICATE_PASSWORD", args: []string{"-l", "spn"}, flag: "--client-certificate-password", get: certPW, alone: "env", withFlag: "flag"},
		{name: "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD", args: []string{"-l", "spn"}, flag: "--client-certificate-password", get: certPW, alone: "env", withFlag: "flag"},
		{name: "ARM_CLIENT_CERTIFICATE_PASSWORD", args: []string{"-l", "spn", "--use-azurerm-env-vars"}, flag: "--client-certificate-password", get: certPW, alone: "env", withFlag: "flag"},
		{name: "AZURE_TENANT_ID", flag: "--tenant-id", get: tenant, alone: "env", withFlag: "flag"},
		{name: "ARM_TENANT_ID", args: []string{"--use-azurerm-env-vars"}, flag: "--tenant-id", get: tenant, alone: "env", withFlag: "flag"},
		{name: "AZURE_USERNAME", args: []string{"-l", "ropc"}, flag: "--username", get: user, alone: "env", withFlag: "flag"},
		{name: "AAD_USER_PRINCIPAL_NAME", args: []string{"-l", "ropc"}, flag: "--username", get: user, alone: "env", withFlag: "flag"},
		{name: "AZURE_PASSWORD", args: []string{"-l", "ropc"}, flag: "--password", get: password, alone: "env", withFlag: "flag"},
		{name: "AAD_USER_PRINCIPAL_PASSWORD", args: []string{"-l", "ropc"}, flag: "--password", get: password, alone: "env", withFlag: "flag"},
		{name: "AZURE_AUTHORITY_HOST", flag: "--authority-host", get: get(func(o *Token) string { return o.AuthorityHost }), alone: "env", withFlag: "flag"},
		{name: "AZURE_FEDERATED_TOKEN_FILE", args: []string{"-l", "workloadidentity"}, flag: "--federated-token-file", get: get(func(o *Token) string { return o.FederatedTokenFile }), alone: "env", withFlag: "flag"},
		{name: "AZURE_FEDERATED_TOKEN_FILE", args: []string{"-l", "spn"}, flag: "--federated-token-file", get: get(func(o *Token) string { return o.FederatedTokenFile }), alone: "", withFlag: "flag"},
		{name: "AZURESUBSCRIPTION_CLIENT_ID", args: []string{"-l", "azurepipelines"}, flag: "--client-id", get: clientID, alone: "env", withFlag: "flag"},
		{name: "AZURESUBSCRIPTION_CLIENT_ID", args: []string{"-l", "azurepipelines"}, env: map[string]string{"AZURE_CLIENT_ID": "generic"}, get: clientID, alone: "generic"},
		{name: "AZURESUBSCRIPTION_TENANT_ID", args: []string{"-l", "azurepipelines"}, flag: "--tenant-id", get: tenant, alone: "env", withFlag: "flag"},
		{name: "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", args: []string{"-l", "azurepipelines"}, flag: "--azure-pipelines-service-connection-id",
			get: get(func(o *Token) string { return o.PipelinesConnectionID }), alone: "env", withFlag: "flag"},
		{name: "SYSTEM_OIDCREQUESTURI", args: []string{"-l", "azurepipelines"}, get: oidcURL, alone: "env"},
		{name: "SYSTEM_OIDCREQUESTURI", args: []string{"-l", "workloadidentity"}, get: oidcURL, alone: ""},
		{name: "SYSTEM_ACCESSTOKEN", args: []string{"-l", "azurepipelines"}, get: oidcToken, alone: "env"},
		{name: "SYSTEM_ACCESSTOKEN", args: []string{"-l", "spn"}, get: oidcToken, alone: ""},
		{name: "ACTIONS_ID_TOKEN_REQUEST_URL", args: []string{"-l", "workloadidentity"}, get: oidcURL, alone: "env"},
		{name: "ACTIONS_ID_TOKEN_REQUEST_URL", args: []string{"-l", "azurepipelines"}, get: oidcURL, alone: ""},
		{name: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", args: []string{"-l", "workloadidentity"}, get: oidcToken, alone: "env"},
		{name: "AZURE_CLI_TIMEOUT", flag: "--timeout", get: get(func(o *Token) string {
			return map[string]string{"1m30s": "env", "10s": "flag", "1m0s": "default"}[o.Timeout.String()]
		}), alone: "env", withFlag: "flag"},
		{name: "KUBECACHEDIR", flag: "--cache-dir", get: func(o *Token, r Resolved) string { return o.CacheDir + " from " + r.CacheDirSource },
			alone: "env from KUBECACHEDIR", withFlag: "flag from --cache-dir"},
		{name: "KUBELOGIN_TOKEN_STORE", flag: "--token-store", get: func(o *Token, r Resolved) string { return o.TokenStore + " from " + r.TokenStoreSource },
			alone: "env from KUBELOGIN_TOKEN_STORE", withFlag: "flag from --token-store"},
		{name: "AZURE_CONFIG_DIR", args: []string{"-l", "azurecli"}, get: func(_ *Token, r Resolved) string { return r.AzureConfigDir }, alone: "env"},
		{name: "AZURE_CONFIG_DIR", args: []string{"-l", "azurecli", "--disable-environment-override"}, get: func(_ *Token, r Resolved) string { return r.AzureConfigDir }, alone: "env"},
		{name: "AZD_CONFIG_DIR", args: []string{"-l", "azd"}, get: func(_ *Token, r Resolved) string { return r.AzdConfigDir }, alone: "env"},
		{name: "HOME", get: home, alone: "env"},
		{name: "HOME", args: []string{"--disable-environment-override"}, get: home, alone: "env"},
		{name: "USERPROFILE", get: home, alone: "env"},
		{name: "USERPROFILE", env: map[string]string{"HOME": "home"}, get: home, alone: "home"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.name] = true
		value := map[string]string{"AZURE_CLI_TIMEOUT": "90s"}[tt.name]
		if value == "" {
			value = "env"
		}
		flagValue := map[string]string{"--timeout": "10s", "--login": "interactive"}[tt.flag]
		if flagValue == "" {
			flagValue = "flag"
		}
		env := map[string]string{tt.name: value}
		for k, v := range tt.env {
			env[k] = v
		}
		t.Run(tt.name+strings.Join(tt.args, ""), func(t *testing.T) {
			if got := tt.get(resolve(t, GetToken, tt.args, env)); got != tt.alone {
				t.Errorf("from %s alone: got %q, want %q", tt.name, got, tt.alone)
			}
			if tt.flag == "" {
				return
			}
			args := append(slices.Clone(tt.args), tt.flag, flagValue)
			if got := tt.get(resolve(t, GetToken, args, env)); got != tt.withFlag {
				t.Errorf("from %s and %s: got %q, want %q", tt.name, tt.flag, got, tt.withFlag)
			}
		})
	}
	for _, v := range Vars {
		if !seen[v.Name] {
			t.Errorf("%s is in Vars but has no precedence row here", v.Name)
		}
	}
}

// TestDisableEnvironmentOverride: with the flag, no variable changes any
// setting, except those that only say where files are.
func TestDisableEnvironmentOverride(t *testing.T) {
	for _, v := range Vars {
		args := []string{"--disable-environment-override", "-l", modes.SPN}
		if v.Modes != nil {
			args[2] = v.Modes[0]
		}
		if v.When == WithAzureRM {
			args = append(args, "--use-azurerm-env-vars")
		}
		base, baseR := resolve(t, GetToken, args, nil)
		got, gotR := resolve(t, GetToken, args, map[string]string{v.Name: "90s"})
		base.fs, got.fs = nil, nil
		same := reflect.DeepEqual(base, got) && baseR == gotR
		if v.Rule == Always && same {
			t.Errorf("%s is read in every run but had no effect", v.Name)
		}
		if v.Rule != Always && !same {
			t.Errorf("%s changed the settings despite --disable-environment-override", v.Name)
		}
		// Without the flag, every variable has an effect in its mode.
		args = slices.Delete(args, 0, 1)
		base, baseR = resolve(t, GetToken, args, nil)
		got, gotR = resolve(t, GetToken, args, map[string]string{v.Name: "90s"})
		base.fs, got.fs = nil, nil
		if reflect.DeepEqual(base, got) && baseR == gotR {
			t.Errorf("%s had no effect in mode %s", v.Name, args[1])
		}
	}
}

// TestConvertReadsOnlyItsVariables: convert-kubeconfig writes no
// environment value into a kubeconfig, so it reads only the mode switch
// (after its own -l) and the home directory.
func TestConvertReadsOnlyItsVariables(t *testing.T) {
	env := map[string]string{"HOME": "/home/a"}
	for _, v := range Vars {
		if _, ok := env[v.Name]; !ok {
			env[v.Name] = "env"
		}
	}
	o, r := resolve(t, Convert, []string{"-l", "spn"}, env)
	if o.LoginMode != "spn" || o.ClientID != "" || o.ClientSecret != "" || o.CacheDir != "" || r.Home != "/home/a" || r.AzureConfigDir != "" {
		t.Errorf("convert with -l: %+v %+v", o.Credentials, r)
	}
	if o, _ = resolve(t, Convert, nil, env); o.LoginMode != "env" {
		t.Errorf("convert without -l: mode %q, want AAD_LOGIN_METHOD's", o.LoginMode)
	}
	if o, _ = resolve(t, Convert, []string{"--disable-environment-override"}, env); o.LoginMode != modes.DeviceCode {
		t.Errorf("convert with --disable-environment-override: mode %q, want the default", o.LoginMode)
	}
}

// TestVarsDeclaration: secrets never reach a provider's environment, and
// each variable is declared once.
func TestVarsDeclaration(t *testing.T) {
	names := map[string]bool{}
	for _, v := range Vars {
		if names[v.Name] {
			t.Errorf("%s is declared twice", v.Name)
		}
		names[v.Name] = true
		if v.Secret && v.Keep {
			t.Errorf("%s is a secret but kept in the provider's environment", v.Name)
		}
		if (v.Flag == "") != (v.Rule == Only || v.Rule == Always) {
			t.Errorf("%s: a flag goes with every rule but Only and Always", v.Name)
		}
	}
}

func TestProviderEnv(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin", "HOME=/home/a", "REQUESTS_CA_BUNDLE=/ca.pem", "CURL_CA_BUNDLE=/ca.pem", "ALL_PROXY=socks5://p",
		"AZURE_CORE_OUTPUT=json", "AZURE_CLI_DISABLE_CONNECTION_VERIFICATION=1", "AZURE_CONFIG_DIR=/az", "AZD_CONFIG_DIR=/azd",
		"THIRD_PARTY_SETTING=x", "BROWSER=firefox", "GOCOVERDIR=/cov", "EMPTY=",
		// The provider's own debugging switch, and a name that only starts like a provider arg's.
		"KUBELOGIN_PROVIDER_DEBUG=1", "KUBELOGIN_PROVIDER_ARG_=x",
	}
	var secrets []string
	for _, v := range Vars {
		if !v.Keep {
			secrets = append(secrets, v.Name+"=value")
		}
	}
	for _, v := range HostVars {
		secrets = append(secrets, v.Name+"=value")
	}
	secrets = append(secrets, ArgVar("api-key")+"=value", ArgVar("undeclared")+"=value")
	got := ProviderEnv(append(slices.Clone(environ), secrets...))
	if !slices.Equal(got, environ) {
		t.Errorf("ProviderEnv kept %q, want %q", got, environ)
	}
	for _, name := range []string{"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET", "AZURE_PASSWORD", "SYSTEM_ACCESSTOKEN",
		"KUBELOGIN_TOKEN_STORE", "KUBELOGIN_PROVIDER_PATH", "KUBELOGIN_POLICY", "KUBELOGIN_PROVIDER_REATTACH", "KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE",
		"KUBELOGIN_PROVIDER_ARG_API_KEY"} {
		if !Removed(name) {
			t.Errorf("%s reaches the provider's environment", name)
		}
	}
}

var update = flag.Bool("update", false, "rewrite README.md's generated tables from Vars and HostVars")

// readmeTables are README.md's generated tables: where each sits (between
// its begin marker and tableEnd) and what it holds.
var readmeTables = []struct{ begin, want string }{
	{"<!-- environment table: generated from host/options/vars.go by `go test ./host/options -run TestREADMETable -update` -->\n", envTable()},
	{"<!-- host variables table: generated from host/options/vars.go by `go test ./host/options -run TestREADMETable -update` -->\n", hostTable()},
}

const tableEnd = "<!-- end of environment table -->\n"

// TestREADMETable keeps README.md's tables equal to Vars and HostVars.
func TestREADMETable(t *testing.T) {
	const path = "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	changed := false
	for _, table := range readmeTables {
		before, rest, ok1 := strings.Cut(readme, table.begin)
		current, after, ok2 := strings.Cut(rest, tableEnd)
		if !ok1 || !ok2 {
			t.Fatalf("README.md lacks the table markers:\n%s...\n%s", table.begin, tableEnd)
		}
		if current == table.want {
			continue
		}
		if !*update {
			t.Errorf("README.md's table is out of date; run go test ./host/options -run TestREADMETable -update, or write:\n%s", table.want)
			continue
		}
		readme, changed = before+table.begin+table.want+tableEnd+after, true
	}
	if changed {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// hostTable renders HostVars as markdown.
func hostTable() string {
	var b strings.Builder
	b.WriteString("| Variable | What it does |\n|---|---|\n")
	for _, v := range HostVars {
		fmt.Fprintf(&b, "| `%s` | %s |\n", v.Name, v.Note)
	}
	return b.String()
}

// envTable renders Vars as markdown.
func envTable() string {
	rule := map[Rule]string{
		FlagFirst:  "used when the flag is not given",
		ModeSwitch: "get-token: replaces the kubeconfig's `--login`; convert-kubeconfig: used when `-l` is not given",
		Paired:     "spn with a secret or certificate from the same family of variables and none as a flag: replaces the flag; otherwise used when the flag is not given",
		FillEmpty:  "used when neither the flag nor a variable above sets it",
		Only:       "the only source",
		Always:     "always, even with `--disable-environment-override`",
	}
	when := map[Cond]string{WithAzureRM: " (with `--use-azurerm-env-vars`)", WithoutAzureRM: " (without `--use-azurerm-env-vars`)"}
	var b strings.Builder
	b.WriteString("| Variable | Sets | Precedence | Modes | Secret | Provider sees it |\n|---|---|---|---|---|---|\n")
	for _, v := range Vars {
		sets := v.Flag
		if sets == "" {
			sets = "—"
		} else {
			sets = "`" + sets + "`"
		}
		if v.Note != "" {
			sets += ": " + v.Note
		}
		modes := "all"
		if v.Modes != nil {
			modes = strings.Join(v.Modes, ", ")
		}
		secret, keep := "", "no, removed"
		if v.Secret {
			secret = "yes"
		}
		if v.Keep {
			keep = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s%s | %s | %s | %s |\n", v.Name, sets, rule[v.Rule], when[v.When], modes, secret, keep)
	}
	fmt.Fprintf(&b, "| `%s<NAME>` | `--provider-arg NAME=…` for a provider arg its mode declares secret: NAME in upper case, `-` and `.` as `_`; convert-kubeconfig writes it into the exec env | %s | modes with secret args | yes | no, removed |\n",
		ArgVarPrefix, rule[FlagFirst])
	return b.String()
}

// TestHostVarsAreTheReadersNames: HostVars names what the host's packages
// read, so the provider's environment drops exactly those.
func TestHostVarsAreTheReadersNames(t *testing.T) {
	want := []string{provider.PathEnv, policy.EnvFile, protocol.ReattachEnv, provider.MaxMessageSizeEnv}
	var got []string
	for _, v := range HostVars {
		got = append(got, v.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("HostVars = %q, want the readers' names %q", got, want)
	}
}

// TestApplyArgEnv: a secret provider arg comes from its variable when
// --provider-arg does not give it; other args never do.
func TestApplyArgEnv(t *testing.T) {
	args := []sdk.ProviderArg{
		{Name: "api-key", Secret: true},
		{Name: "tenant.key", Secret: true},
		{Name: "region"},
	}
	env := map[string]string{
		"KUBELOGIN_PROVIDER_ARG_API_KEY":    "env-key",
		"KUBELOGIN_PROVIDER_ARG_TENANT_KEY": "env-tenant",
		"KUBELOGIN_PROVIDER_ARG_REGION":     "env-region",
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string
	}{
		{name: "from the variables", env: env, want: map[string]string{"api-key": "env-key", "tenant.key": "env-tenant"}},
		{name: "the flag wins", args: []string{"--provider-arg", "api-key=flag"}, env: env,
			want: map[string]string{"api-key": "flag", "tenant.key": "env-tenant"}},
		{name: "an empty variable is unset", env: map[string]string{"KUBELOGIN_PROVIDER_ARG_API_KEY": ""}, want: nil},
		{name: "ignored with --disable-environment-override", args: []string{"--disable-environment-override", "--provider-arg", "region=eu"}, env: env,
			want: map[string]string{"region": "eu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Token{}
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			o.AddProviderArgFlag(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			if err := o.ApplyArgEnv("corp", args, getenv); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(o.ProviderArgs, tt.want) {
				t.Errorf("provider args %v, want %v", o.ProviderArgs, tt.want)
			}
		})
	}

	shared := []sdk.ProviderArg{{Name: "a-b", Secret: true}, {Name: "a_b", Secret: true}}
	o := &Token{}
	if err := o.ApplyArgEnv("corp", shared, func(string) (string, bool) { return "", false }); err != nil {
		t.Errorf("unset shared variable: %v", err)
	}
	err := o.ApplyArgEnv("corp", shared, func(k string) (string, bool) { return "v", k == "KUBELOGIN_PROVIDER_ARG_A_B" })
	if err == nil || !strings.Contains(err.Error(), "a-b and a_b, which share the variable KUBELOGIN_PROVIDER_ARG_A_B") {
		t.Errorf("set shared variable: %v", err)
	}
}
