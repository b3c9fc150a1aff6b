package convert

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	server = "6dae42f8-4368-4678-94ff-3960e28e3630"
	client = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	aksU   = "clusterUser_rg_aks1"
	legU   = "clusterUser_rg_legacy"
)

// oneUser is a kubeconfig with one cluster, context (c1) and user (u1)
// whose user block is body.
func oneUser(body string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://c1.example.com
contexts:
- name: c1
  context:
    cluster: c1
    user: u1
current-context: c1
users:
- name: u1
  user:
` + indent(body, "    ")
}

// execBody is an exec user block running command with args.
func execBody(apiVersion, command string, args ...string) string {
	q, _ := json.Marshal(args)
	return "exec:\n  apiVersion: " + apiVersion + "\n  command: '" + command + "'\n  args: " + string(q) + "\n"
}

func kubeloginExec(args ...string) string {
	return execBody(apiV1beta1, "kubelogin", append([]string{"get-token"}, args...)...)
}

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// gt builds expected args: get-token --login MODE --server-id ID rest...
func gt(mode string, rest ...string) []string {
	return append([]string{"get-token", "--login", mode, "--server-id", server}, rest...)
}

var aksIDs = []string{"--client-id", client, "--tenant-id", tenant, "--environment", "AzurePublicCloud"}

func ids(extra ...string) []string { return append(append([]string{}, aksIDs...), extra...) }

// convertCase is one conversion of a kubeconfig named config.
type convertCase struct {
	name      string
	in        string              // the kubeconfig
	args      []string            // after --kubeconfig
	env       map[string]string   // the whole environment
	want      map[string][]string // converted users and their exec args
	wantErr   string
	skipped   string   // users left alone (SkippedError, exit 3), comma-separated
	stderr    []string // substrings of stderr
	notStderr []string // substrings stderr must not have
	check     func(t *testing.T, f *file)
}

func TestConvertModes(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	legacy := fixture(t, "legacy.yaml")
	runCases(t, []convertCase{
		{name: "AKS default is devicecode", in: aks, want: map[string][]string{aksU: gt("devicecode", aksIDs...)},
			stderr: []string{"converted user " + aksU + " to devicecode in "}},
		{name: "AKS interactive", in: aks, args: []string{"-l", "interactive"}, want: map[string][]string{aksU: gt("interactive", aksIDs...)}},
		{name: "AKS interactive with redirect URL and login hint", in: aks,
			args: []string{"-l", "interactive", "--login-hint", "me@example.com", "--redirect-url", "http://localhost:8400"},
			want: map[string][]string{aksU: gt("interactive", ids("--redirect-url", "http://localhost:8400", "--login-hint", "me@example.com")...)}},
		{name: "AKS spn with credentials from env later", in: aks, args: []string{"-l", "spn"}, want: map[string][]string{aksU: gt("spn", aksIDs...)}},
		{name: "AKS spn with a secret on the command line: exec env, with a warning", in: aks, args: []string{"-l", "spn", "--client-id", "sp", "--client-secret", "s3cret"},
			want:   map[string][]string{aksU: gt("spn", "--client-id", "sp", "--tenant-id", tenant, "--environment", "AzurePublicCloud")},
			stderr: []string{"Warning: the client secret given with --client-secret is now stored in clear text in the exec env of ", "prefer exporting AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET"},
			check:  wantEnv(aksU, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "s3cret")},
		{name: "AKS spn with a pfx certificate", in: aks, args: []string{"-l", "spn", "--client-certificate", "/certs/sp.pfx", "--client-certificate-password", "pw"},
			want:   map[string][]string{aksU: gt("spn", ids("--client-certificate", "/certs/sp.pfx")...)},
			stderr: []string{"the certificate password given with --client-certificate-password is now stored in clear text"},
			check:  wantEnv(aksU, "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD", "pw")},
		{name: "AKS ropc", in: aks, args: []string{"-l", "ropc", "--username", "me@example.com", "--password", "pw"},
			want:   map[string][]string{aksU: gt("ropc", ids("--username", "me@example.com")...)},
			stderr: []string{"the password given with --password is now stored in clear text", "AAD_USER_PRINCIPAL_PASSWORD or AZURE_PASSWORD"},
			check:  wantEnv(aksU, "AAD_USER_PRINCIPAL_PASSWORD", "pw")},
		{name: "AKS msi drops the public client id", in: aks, args: []string{"-l", "msi"}, want: map[string][]string{aksU: gt("msi")}},
		{name: "AKS msi user-assigned", in: aks, args: []string{"-l", "msi", "--client-id", "mi"}, want: map[string][]string{aksU: gt("msi", "--client-id", "mi")}},
		{name: "AKS msi by resource id", in: aks, args: []string{"-l", "msi", "--identity-resource-id", "/sub/rg/mi"},
			want: map[string][]string{aksU: gt("msi", "--identity-resource-id", "/sub/rg/mi")}},
		{name: "AKS msi client id beats resource id", in: aks, args: []string{"-l", "msi", "--client-id", "mi", "--identity-resource-id", "/sub/rg/mi"},
			want: map[string][]string{aksU: gt("msi", "--client-id", "mi")}, stderr: []string{"Warning: -l msi does not use --identity-resource-id"}},
		{name: "AKS azurecli drops the inherited tenant", in: aks, args: []string{"-l", "azurecli"}, want: map[string][]string{aksU: gt("azurecli")}},
		{name: "AKS azurecli with tenant, subscription and config dir", in: aks,
			args: []string{"-l", "azurecli", "-t", "t2", "--subscription", "sub", "--azure-config-dir", "/home/jenkins/.azure"},
			want: map[string][]string{aksU: gt("azurecli", "--tenant-id", "t2", "--subscription", "sub")},
			check: func(t *testing.T, f *file) {
				if env := userOf(t, f, aksU).Exec.Env; len(env) != 1 || env[0].Name != "AZURE_CONFIG_DIR" || env[0].Value != "/home/jenkins/.azure" {
					t.Errorf("env = %v, want AZURE_CONFIG_DIR=/home/jenkins/.azure", env)
				}
			}},
		{name: "AKS azd", in: aks, args: []string{"-l", "azd"}, want: map[string][]string{aksU: gt("azd")}},
		{name: "AKS azd with tenant", in: aks, args: []string{"-l", "azd", "--tenant-id", "t2"}, want: map[string][]string{aksU: gt("azd", "--tenant-id", "t2")}},
		{name: "AKS workload identity from env later", in: aks, args: []string{"-l", "workloadidentity"}, want: map[string][]string{aksU: gt("workloadidentity")}},
		{name: "AKS workload identity explicit", in: aks,
			args: []string{"-l", "workloadidentity", "--client-id", "wi", "--tenant-id", "t2", "--authority-host", "https://login.example.com/", "--federated-token-file", "/var/run/token"},
			want: map[string][]string{aksU: gt("workloadidentity", "--client-id", "wi", "--tenant-id", "t2", "--authority-host", "https://login.example.com/", "--federated-token-file", "/var/run/token")}},
		{name: "AKS azurepipelines keeps the tenant, never the client", in: aks, args: []string{"-l", "azurepipelines", "--azure-pipelines-service-connection-id", "sc"},
			want: map[string][]string{aksU: gt("azurepipelines", "--tenant-id", tenant, "--azure-pipelines-service-connection-id", "sc")}},
		{name: "AAD_LOGIN_METHOD picks the default mode", in: aks, env: map[string]string{"AAD_LOGIN_METHOD": "azurecli"}, want: map[string][]string{aksU: gt("azurecli")}},
		{name: "explicit -l beats AAD_LOGIN_METHOD", in: aks, args: []string{"-l", "msi"}, env: map[string]string{"AAD_LOGIN_METHOD": "azurecli"}, want: map[string][]string{aksU: gt("msi")}},
		{name: "--disable-environment-override ignores AAD_LOGIN_METHOD and is written", in: aks, args: []string{"--disable-environment-override"},
			env: map[string]string{"AAD_LOGIN_METHOD": "azurecli"}, want: map[string][]string{aksU: gt("devicecode", ids("--disable-environment-override")...)}},
		{name: "environment values are never written", in: aks, args: []string{"-l", "spn", "--client-id", "explicit"},
			env:  map[string]string{"AZURE_CLIENT_ID": "from-env", "AZURE_CLIENT_SECRET": "env-secret", "AZURE_TENANT_ID": "env-tenant"},
			want: map[string][]string{aksU: gt("spn", "--client-id", "explicit", "--tenant-id", tenant, "--environment", "AzurePublicCloud")}},
		{name: "explicit flags beat the kubeconfig", in: aks, args: []string{"-t", "t9", "-e", "AzureChinaCloud", "--server-id", "srv", "--client-id", "cli"},
			want: map[string][]string{aksU: {"get-token", "--login", "devicecode", "--server-id", "srv", "--client-id", "cli", "--tenant-id", "t9", "--environment", "AzureChinaCloud"}}},
		{name: "an empty flag drops an inherited value", in: aks, args: []string{"--environment="}, want: map[string][]string{aksU: gt("devicecode", "--client-id", client, "--tenant-id", tenant)}},
		{name: "unknown environment is an error", in: aks, args: []string{"-e", "AzureGermanCloud"}, wantErr: `unknown --environment "AzureGermanCloud"`},
		{name: "cache dir, timeout and cloud settings", in: aks,
			args: []string{"--cache-dir", "/cache", "--timeout", "90s", "--authority-host", "https://login.example.com/", "--disable-instance-discovery"},
			want: map[string][]string{aksU: append(gt("devicecode", "--cache-dir", "/cache"), ids("--authority-host", "https://login.example.com/", "--disable-instance-discovery", "--timeout", "1m30s")...)}},
		{name: "flags a mode does not use are reported", in: aks, args: []string{"-l", "azurecli", "--client-id", "x", "-e", "AzureChinaCloud", "--azure-config-dir", "/az"},
			want:   map[string][]string{aksU: gt("azurecli", "--client-id", "x")[:5]},
			stderr: []string{"Warning: -l azurecli does not use --client-id, --environment: not written to the kubeconfig"}},
		{name: "config dir is azurecli's only", in: aks, args: []string{"--azure-config-dir", "/az"}, want: map[string][]string{aksU: gt("devicecode", aksIDs...)},
			stderr: []string{"does not use --azure-config-dir"}},
		{name: "explicit --legacy", in: aks, args: []string{"--legacy"}, want: map[string][]string{aksU: gt("devicecode", ids("--legacy")...)}},
		{name: "unsupported mode", in: aks, args: []string{"-l", "magic"}, wantErr: `cannot write login mode "magic" (from -l)`},
		{name: "bad AAD_LOGIN_METHOD", in: aks, env: map[string]string{"AAD_LOGIN_METHOD": "magic"}, wantErr: `(from AAD_LOGIN_METHOD)`},

		{name: "legacy auth-provider gets --legacy", in: legacy, want: map[string][]string{legU: gt("devicecode", ids("--legacy")...)},
			check: func(t *testing.T, f *file) {
				if u := userOf(t, f, legU); u.AuthProvider != nil || u.Exec.Command != "kubelogin" || u.Exec.APIVersion != apiV1beta1 || u.Exec.InstallHint != installHint {
					t.Errorf("user = %+v", u)
				}
			}},
		{name: "legacy to interactive has no --legacy", in: legacy, args: []string{"-l", "interactive"}, want: map[string][]string{legU: gt("interactive", aksIDs...)}},
		{name: "legacy to spn keeps --legacy", in: legacy, args: []string{"-l", "spn"}, want: map[string][]string{legU: gt("spn", ids("--legacy")...)}},
		{name: "legacy to ropc drops --legacy", in: legacy, args: []string{"-l", "ropc"}, want: map[string][]string{legU: gt("ropc", ids()...)}},
		{name: "--legacy=false overrides the auto rule", in: legacy, args: []string{"--legacy=false"}, want: map[string][]string{legU: gt("devicecode", aksIDs...)}},
		{name: "legacy config-mode 1 is managed AAD", in: strings.Replace(legacy, "      name: azure", "        config-mode: '1'\n      name: azure", 1),
			want: map[string][]string{legU: gt("devicecode", aksIDs...)}},
		{name: "legacy config-mode 0 is AADv1", in: strings.Replace(legacy, "      name: azure", "        config-mode: \"0\"\n      name: azure", 1),
			want: map[string][]string{legU: gt("devicecode", ids("--legacy")...)}},
		{name: "legacy to azurecli", in: legacy, args: []string{"-l", "azurecli"}, want: map[string][]string{legU: gt("azurecli")}},
		{name: "legacy without apiserver-id needs --server-id", in: strings.Replace(legacy, "        apiserver-id: "+server+"\n", "", 1),
			wantErr: `user "clusterUser_rg_legacy" has no server id for -l devicecode: pass --server-id`},
		{name: "legacy without apiserver-id and --server-id", in: strings.Replace(legacy, "        apiserver-id: "+server+"\n", "", 1), args: []string{"--server-id", server},
			want: map[string][]string{legU: gt("devicecode", ids("--legacy")...)}},
		{name: "legacy without tenant cannot be devicecode", in: strings.Replace(legacy, "        tenant-id: "+tenant+"\n", "", 1),
			wantErr: `has no tenant id for -l devicecode: pass --tenant-id`},
		{name: "legacy unknown environment", in: strings.Replace(legacy, "environment: AzurePublicCloud", "environment: AzureStackCloud", 1),
			wantErr: `user "clusterUser_rg_legacy": unknown --environment "AzureStackCloud"`},
	})
}

func TestConvertExistingExec(t *testing.T) {
	azurecliArgs := []string{"--login", "azurecli", "--server-id", server, "--tenant-id", "t1"}
	runCases(t, []convertCase{
		{name: "--flag=value, short flags and --token-cache-dir are read", in: oneUser(kubeloginExec(
			"--login=interactive", "--server-id="+server, "-t", "t1", "--client-id=c1", "-e=AzureUSGovernmentCloud", "--token-cache-dir", "/tc", "--timeout=2m")),
			want: map[string][]string{"u1": gt("devicecode", "--cache-dir", "/tc", "--client-id", "c1", "--tenant-id", "t1", "--environment", "AzureUSGovernmentCloud", "--timeout", "2m0s")}},
		{name: "an existing --legacy stays", in: oneUser(kubeloginExec("--server-id", server, "--client-id", "c1", "--tenant-id", "t1", "--legacy")),
			want: map[string][]string{"u1": gt("devicecode", "--client-id", "c1", "--tenant-id", "t1", "--legacy")}},
		{name: "unknown flags are dropped", in: oneUser(kubeloginExec("--server-id", server, "--future-flag", "x", "-v", "--client-id", "c1", "--tenant-id", "t1")),
			want: map[string][]string{"u1": gt("devicecode", "--client-id", "c1", "--tenant-id", "t1")}},
		{name: "a Windows path is kept", in: oneUser(execBody(apiV1beta1, `C:\tools\KUBELOGIN.EXE`, "get-token", "--server-id", server)), args: []string{"-l", "azurecli"},
			want: map[string][]string{"u1": gt("azurecli")},
			check: func(t *testing.T, f *file) {
				if c := userOf(t, f, "u1").Exec.Command; c != `C:\tools\KUBELOGIN.EXE` {
					t.Errorf("command = %q", c)
				}
			}},
		{name: "v1 is kept and gets interactiveMode", in: oneUser(execBody(apiV1, "kubelogin", "get-token", "--server-id", server)), args: []string{"-l", "msi"},
			want: map[string][]string{"u1": gt("msi")},
			check: func(t *testing.T, f *file) {
				if e := userOf(t, f, "u1").Exec; e.APIVersion != apiV1 || e.InteractiveMode != "IfAvailable" {
					t.Errorf("exec = %+v", e)
				}
			}},
		{name: "v1alpha1 becomes v1beta1", in: oneUser(execBody("client.authentication.k8s.io/v1alpha1", "kubelogin", "get-token", "--server-id", server)), args: []string{"-l", "msi"},
			want: map[string][]string{"u1": gt("msi")},
			check: func(t *testing.T, f *file) {
				if e := userOf(t, f, "u1").Exec; e.APIVersion != apiV1beta1 || e.InteractiveMode != "" {
					t.Errorf("exec = %+v", e)
				}
			}},
		{name: "interactiveMode and installHint are kept", in: oneUser(kubeloginExec("--server-id", server) + "  interactiveMode: Never\n  installHint: get it from the intranet\n"),
			args: []string{"-l", "msi"}, want: map[string][]string{"u1": gt("msi")},
			check: func(t *testing.T, f *file) {
				if e := userOf(t, f, "u1").Exec; e.InteractiveMode != "Never" || e.InstallHint != "get it from the intranet" {
					t.Errorf("exec = %+v", e)
				}
			}},
		{name: "env: proxy kept, AAD_LOGIN_METHOD dropped, AZURE_CONFIG_DIR kept for azurecli",
			in:   oneUser(execBody(apiV1beta1, "kubelogin", append([]string{"get-token"}, azurecliArgs...)...) + "  env:\n  - {name: HTTPS_PROXY, value: 'http://proxy:3128'}\n  - {name: AAD_LOGIN_METHOD, value: devicecode}\n  - {name: AZURE_CONFIG_DIR, value: /az}\n"),
			args: []string{"-l", "azurecli"}, want: map[string][]string{"u1": gt("azurecli", "--tenant-id", "t1")},
			check: func(t *testing.T, f *file) {
				if env := userOf(t, f, "u1").Exec.Env; len(env) != 2 || env[0].Name != "HTTPS_PROXY" || env[1].Name != "AZURE_CONFIG_DIR" || env[1].Value != "/az" {
					t.Errorf("env = %+v", env)
				}
			}},
		{name: "env: AZURE_CONFIG_DIR replaced by the flag",
			in:   oneUser(execBody(apiV1beta1, "kubelogin", append([]string{"get-token"}, azurecliArgs...)...) + "  env:\n  - {name: AZURE_CONFIG_DIR, value: /old}\n"),
			args: []string{"-l", "azurecli", "--azure-config-dir", "/new"}, want: map[string][]string{"u1": gt("azurecli", "--tenant-id", "t1")},
			check: func(t *testing.T, f *file) {
				if env := userOf(t, f, "u1").Exec.Env; len(env) != 1 || env[0].Value != "/new" {
					t.Errorf("env = %+v", env)
				}
			}},
		{name: "env: AZURE_CONFIG_DIR dropped for another mode",
			in:   oneUser(execBody(apiV1beta1, "kubelogin", append([]string{"get-token"}, azurecliArgs...)...) + "  env:\n  - {name: AZURE_CONFIG_DIR, value: /az}\n"),
			args: []string{"-l", "msi"}, want: map[string][]string{"u1": gt("msi")},
			check: func(t *testing.T, f *file) {
				if env := userOf(t, f, "u1").Exec.Env; len(env) != 0 {
					t.Errorf("env = %+v", env)
				}
			}},
		{name: "same mode keeps mode-only settings", in: oneUser(kubeloginExec("--login", "msi", "--server-id", server, "--client-id", "mi")), args: []string{"-l", "msi", "--cache-dir", "/c"},
			want: map[string][]string{"u1": gt("msi", "--cache-dir", "/c", "--client-id", "mi")}},
		{name: "azurecli re-conversion keeps its tenant and subscription", in: oneUser(kubeloginExec(append(azurecliArgs, "--subscription", "s1")...)),
			args: []string{"-l", "azurecli", "--timeout", "2m"}, want: map[string][]string{"u1": gt("azurecli", "--tenant-id", "t1", "--subscription", "s1", "--timeout", "2m0s")}},
		{name: "spn re-conversion moves its secret from args to the exec env without a warning",
			in:   oneUser(kubeloginExec("--login", "spn", "--server-id", server, "--client-id", "sp", "--tenant-id", "t1", "--client-secret", "s")),
			args: []string{"-l", "spn"}, want: map[string][]string{"u1": gt("spn", "--client-id", "sp", "--tenant-id", "t1")},
			notStderr: []string{"Warning"}, check: wantEnv("u1", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "s")},
		{name: "a secret does not move to another mode",
			in:   oneUser(kubeloginExec("--login", "spn", "--server-id", server, "--client-id", "sp", "--tenant-id", "t1", "--client-secret", "s")),
			args: []string{"-l", "ropc"}, want: map[string][]string{"u1": gt("ropc", "--client-id", "sp", "--tenant-id", "t1")}},
		{name: "both an exec and the azure auth-provider: provider values win, provider removed",
			in:   oneUser(kubeloginExec("--server-id", "exec-server", "--client-id", "c1", "--tenant-id", "t1") + "auth-provider:\n  name: azure\n  config: {apiserver-id: ap-server, config-mode: '1'}\n"),
			want: map[string][]string{"u1": {"get-token", "--login", "devicecode", "--server-id", "ap-server", "--client-id", "c1", "--tenant-id", "t1"}}},
		{name: "another auth-provider next to a kubelogin exec stays",
			in: oneUser(kubeloginExec("--server-id", server) + "auth-provider:\n  name: oidc\n"), args: []string{"-l", "azd"},
			want: map[string][]string{"u1": gt("azd")},
			check: func(t *testing.T, f *file) {
				if userOf(t, f, "u1").AuthProvider == nil {
					t.Error("oidc auth-provider dropped")
				}
			}},
	})
}

func TestConvertPoP(t *testing.T) {
	pop := []string{"--pop-enabled", "--pop-claims", "u=/subscriptions/s/resourcegroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc1"}
	popExec := oneUser(kubeloginExec(append([]string{"--login", "interactive", "--server-id", server, "--client-id", "c1", "--tenant-id", "t1"}, pop...)...))
	multi := fixture(t, "multi.yaml")
	runCases(t, []convertCase{
		{name: "explicit PoP for one user", in: fixture(t, "aks.yaml"), args: append([]string{"-l", "interactive"}, pop...),
			want: map[string][]string{aksU: gt("interactive", ids(pop...)...)}},
		{name: "inherited PoP stays for interactive", in: popExec, args: []string{"-l", "interactive"},
			want: map[string][]string{"u1": gt("interactive", append([]string{"--client-id", "c1", "--tenant-id", "t1"}, pop...)...)}},
		{name: "inherited PoP stays for spn", in: popExec, args: []string{"-l", "spn"},
			want: map[string][]string{"u1": gt("spn", append([]string{"--client-id", "c1", "--tenant-id", "t1"}, pop...)...)}},
		{name: "devicecode has no PoP", in: popExec, want: map[string][]string{"u1": gt("devicecode", "--client-id", "c1", "--tenant-id", "t1")}},
		{name: "--pop-enabled=false drops PoP", in: popExec, args: []string{"-l", "interactive", "--pop-enabled=false"},
			want: map[string][]string{"u1": gt("interactive", "--client-id", "c1", "--tenant-id", "t1")}},
		{name: "PoP claims are not copied to every user", in: multi, args: append([]string{"-l", "interactive"}, pop...),
			wantErr: "--pop-claims names one cluster but would be written to 2 users (aks-user, aks2-legacy): convert one at a time with --context"},
		{name: "PoP claims for one context", in: multi, args: append([]string{"-l", "interactive", "--context", "aks2"}, pop...),
			want: map[string][]string{"aks2-legacy": append([]string{"get-token", "--login", "interactive", "--server-id", "11111111-2222-3333-4444-555555555555", "--client-id", "66666666-7777-8888-9999-000000000000", "--tenant-id", "tenant-2"}, pop...)}},
		{name: "--pop-enabled needs claims", in: popExec, args: []string{"--pop-enabled"}, wantErr: "--pop-claims is required"},
		{name: "inherited PoP without claims", in: oneUser(kubeloginExec("--server-id", server, "--client-id", "c", "--tenant-id", "t", "--pop-enabled")), args: []string{"-l", "interactive"},
			wantErr: `user "u1" has PoP enabled but no claims`},
		{name: "bad inherited claims", in: oneUser(kubeloginExec("--server-id", server, "--client-id", "c", "--tenant-id", "t", "--pop-enabled", "--pop-claims", "x=1")), args: []string{"-l", "spn"},
			wantErr: "the u claim"},
	})
}

func TestConvertScope(t *testing.T) {
	multi := fixture(t, "multi.yaml")
	aksUser := []string{"get-token", "--login", "devicecode", "--server-id", server, "--client-id", client, "--tenant-id", "tenant-1", "--environment", "AzurePublicCloud"}
	legacyUser := []string{"get-token", "--login", "devicecode", "--server-id", "11111111-2222-3333-4444-555555555555",
		"--client-id", "66666666-7777-8888-9999-000000000000", "--tenant-id", "tenant-2", "--legacy"}
	onlyOthers := strings.Replace(strings.Replace(multi, "command: /usr/local/bin/kubelogin", "command: gke-gcloud-auth-plugin", 1), "name: azure", "name: gcp", 1)
	runCases(t, []convertCase{
		{name: "every Azure user, nothing else", in: multi, want: map[string][]string{"aks-user": aksUser, "aks2-legacy": legacyUser},
			stderr: []string{"converted users aks-user, aks2-legacy to devicecode in "},
			check: func(t *testing.T, f *file) {
				e := userOf(t, f, "aks-user").Exec
				if e.Command != "/usr/local/bin/kubelogin" || len(e.Env) != 1 || e.Env[0].Name != "HTTPS_PROXY" {
					t.Errorf("aks-user exec = %+v", e)
				}
			}},
		{name: "--context converts only its user", in: multi, args: []string{"--context", "aks1-admin", "-l", "azurecli"},
			want: map[string][]string{"aks-user": {"get-token", "--login", "azurecli", "--server-id", server}}, stderr: []string{"converted user aks-user to azurecli"}},
		{name: "--context of a client-certificate user", in: multi, args: []string{"--context", "kind"},
			stderr: []string{"nothing to convert: user kind-admin of context kind uses a client certificate, not kubelogin or the azure auth-provider"}},
		{name: "--context of int128's plugin", in: multi, args: []string{"--context", "oidc"}, stderr: []string{"runs the exec plugin \"kubectl\""}},
		{name: "--context of int128's standalone kubelogin", in: multi, args: []string{"--context", "oidc-standalone"}, stderr: []string{"runs int128's OIDC kubelogin"}},
		{name: "missing context is an error", in: multi, args: []string{"--context", "aks3"}, wantErr: `no context named "aks3" in `},
		{name: "no Azure user: exit 0 with the reason", in: onlyOthers,
			stderr: []string{"nothing to convert: no user uses kubelogin or the azure auth-provider (checked 7 users in "}},
		{name: "context without a user entry", in: strings.Replace(multi, "user: token-user", "user: ghost", 1), args: []string{"--context", "token"},
			wantErr: `context "token" uses user "ghost", which `},
		{name: "--context of a user with no credentials", in: strings.Replace(multi, "      token: abcdef.0123456789abcdef\n", "      {}\n", 1), args: []string{"--context", "token"},
			wantErr: `user "token-user" of context "token" has no credentials to convert`},
		{name: "a user with no credentials is skipped without --context", in: strings.Replace(multi, "      token: abcdef.0123456789abcdef\n", "      {}\n", 1),
			want: map[string][]string{"aks-user": aksUser, "aks2-legacy": legacyUser}},
		{name: "JSON stays JSON", in: fixture(t, "aks.json"), want: map[string][]string{aksU: gt("devicecode", "--client-id", client, "--tenant-id", "tenant-1", "--environment", "AzurePublicCloud")},
			check: func(t *testing.T, f *file) {
				if !f.isJSON || !json.Valid(f.data) {
					t.Errorf("result is not JSON:\n%s", f.data)
				}
			}},
		{name: "empty file", in: "", stderr: []string{"nothing to convert: "}, check: nil},
	})
}

// TestConvertLayouts: unusual but valid YAML layouts convert, and
// everything around the converted user keeps its bytes.
func TestConvertLayouts(t *testing.T) {
	flow := "users:\n- name: u1\n  user: {auth-provider: {name: azure, config: {apiserver-id: s, client-id: c, tenant-id: t, config-mode: '1'}}}\n- name: u2\n  user: {token: x}\n"
	userFirst := "users:\n- user:\n    exec: {command: kubelogin, args: [get-token, --server-id, s]}\n  name: u1 # keep me\n- name: u2\n  user: {token: x}\n"
	wide := "users:\n    -   name: u1\n        user:\n            # the old way\n            auth-provider:\n                name: azure\n                config:\n                    apiserver-id: s\n                    client-id: c\n                    tenant-id: t\n\n# trailing comment\ncurrent-context: c1\n"
	allFlow := `{users: [{name: u1, user: {exec: {command: kubelogin, args: [get-token, --server-id, s]}}}], kind: Config}`
	runCases(t, []convertCase{
		{name: "flow-style user", in: flow, want: map[string][]string{"u1": {"get-token", "--login", "devicecode", "--server-id", "s", "--client-id", "c", "--tenant-id", "t"}},
			check: func(t *testing.T, f *file) {
				if !strings.HasSuffix(string(f.data), "- name: u2\n  user: {token: x}\n") || !strings.HasPrefix(string(f.data), "users:\n- name: u1\n  user:\n    exec:\n") {
					t.Errorf("layout not kept:\n%s", f.data)
				}
			}},
		{name: "user key before name", in: userFirst, args: []string{"-l", "msi"}, want: map[string][]string{"u1": {"get-token", "--login", "msi", "--server-id", "s"}},
			check: func(t *testing.T, f *file) {
				if !strings.Contains(string(f.data), "\n  name: u1 # keep me\n- name: u2\n  user: {token: x}\n") {
					t.Errorf("layout not kept:\n%s", f.data)
				}
			}},
		{name: "wide indentation and comments", in: wide, want: map[string][]string{"u1": {"get-token", "--login", "devicecode", "--server-id", "s", "--client-id", "c", "--tenant-id", "t", "--legacy"}},
			check: func(t *testing.T, f *file) {
				if !strings.Contains(string(f.data), "\n        user:\n            exec:\n                apiVersion: ") || !strings.HasSuffix(string(f.data), "\n\n# trailing comment\ncurrent-context: c1\n") {
					t.Errorf("layout not kept:\n%s", f.data)
				}
			}},
		{name: "a flow-style file is re-encoded", in: allFlow, args: []string{"-l", "azd"}, want: map[string][]string{"u1": {"get-token", "--login", "azd", "--server-id", "s"}}},
	})
}

// runCases runs each case against a fresh file and checks the invariants
// every run must keep: on error the file is byte-identical; on success only
// the wanted users changed, a second run changes nothing, and the file
// still parses.
func runCases(t *testing.T, cases []convertCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "config", tc.in)
			args := append([]string{"--kubeconfig", path}, tc.args...)
			r := runCmd(t, tc.env, args...)
			if tc.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", r.err, tc.wantErr)
				}
				if strings.Contains(r.err.Error(), "\n") {
					t.Errorf("error is not one line: %q", r.err)
				}
				if got := readString(t, path); got != tc.in {
					t.Errorf("file changed on error:\n%s", got)
				}
				assertNoLeftovers(t, dir, "config")
				return
			}
			checkSkipped(t, r.err, tc.skipped)
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr = %q, want it to contain %q", r.stderr, s)
				}
			}
			for _, s := range tc.notStderr {
				if strings.Contains(r.stderr, s) {
					t.Errorf("stderr = %q, want it without %q", r.stderr, s)
				}
			}
			assertNoLeftovers(t, dir, "config")
			if tc.in == "" {
				return
			}
			before, _ := parseFile(path, []byte(tc.in))
			after := parsed(t, path)
			was, now := meanings(t, before), meanings(t, after)
			for k, v := range was {
				user := strings.TrimPrefix(k, "user/")
				if _, converted := tc.want[user]; converted && user != k {
					continue
				}
				if now[k] != v {
					t.Errorf("%s changed:\n%s\nwas:\n%s", k, now[k], v)
				}
			}
			for user, want := range tc.want {
				u := userOf(t, after, user)
				if ap, _ := u.AuthProvider.(map[string]any); u.Exec == nil || ap["name"] == "azure" {
					t.Fatalf("user %s not converted: %+v", user, u)
				}
				if !reflect.DeepEqual(u.Exec.Args, want) {
					t.Errorf("user %s args:\n got %q\nwant %q", user, u.Exec.Args, want)
				}
				assertNoSecretArgs(t, user, u.Exec.Args)
			}
			if tc.check != nil {
				tc.check(t, after)
			}
			converted := readString(t, path)
			r2 := runCmd(t, tc.env, args...)
			checkSkipped(t, r2.err, tc.skipped)
			if readString(t, path) != converted {
				t.Errorf("second run changed the file or failed (%v):\n%s", r2.err, readString(t, path))
			}
			if len(tc.want) > 0 && !strings.Contains(r2.stderr, "nothing to convert") {
				t.Errorf("second run stderr = %q", r2.stderr)
			}
		})
	}
}

// assertNoLeftovers checks that only the kubeconfig remains: no temp file,
// no lock.
func assertNoLeftovers(t *testing.T, dir string, keep ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, k := range keep {
		allowed[k] = true
	}
	for _, e := range entries {
		if !allowed[e.Name()] {
			t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}

// wantEnv checks that user's exec env has name=value exactly once.
func wantEnv(user, name, value string) func(t *testing.T, f *file) {
	return func(t *testing.T, f *file) {
		t.Helper()
		n := 0
		for _, e := range userOf(t, f, user).Exec.Env {
			if e.Name == name {
				n++
				if e.Value != value {
					t.Errorf("user %s: env %s has another value", user, name)
				}
			}
		}
		if n != 1 {
			t.Errorf("user %s: env %s appears %d times, want once", user, name, n)
		}
	}
}

// assertNoSecretArgs: a secret never sits in args, which any local user
// reads in /proc/PID/cmdline while kubectl runs kubelogin.
func assertNoSecretArgs(t testing.TB, user string, args []string) {
	t.Helper()
	for _, a := range args {
		for _, f := range secretFlags {
			if a == "--"+f || strings.HasPrefix(a, "--"+f+"=") {
				t.Errorf("user %s: --%s in args", user, f)
			}
		}
	}
}

// checkSkipped checks that a run succeeded, or left exactly the users
// skipped alone and says so through its exit status.
func checkSkipped(t *testing.T, err error, skipped string) {
	t.Helper()
	if skipped == "" {
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		return
	}
	var se *SkippedError
	if !errors.As(err, &se) || se.Users != skipped || se.ExitCode() != 3 {
		t.Fatalf("error = %v, want users %s left alone with exit status 3", err, skipped)
	}
}
