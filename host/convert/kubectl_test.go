package convert

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const kubectl = "/usr/bin/kubectl"

// kubectlConfigView loads a kubeconfig with the real kubectl and returns
// each user's exec block as kubectl sees it.
func kubectlConfigView(t *testing.T, path string) map[string]execView {
	t.Helper()
	out, err := exec.Command(kubectl, "config", "view", "--kubeconfig", path, "-o", "json").Output()
	if err != nil {
		t.Fatalf("kubectl config view: %v\n%s", err, out)
	}
	var cfg struct {
		Users []struct {
			Name string
			User struct{ Exec *execView }
		}
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	users := map[string]execView{}
	for _, u := range cfg.Users {
		if u.User.Exec != nil {
			users[u.Name] = *u.User.Exec
		}
	}
	return users
}

// TestKubectlLoadsResult: kubectl reads every mode's output, JSON and
// multi-user files included, with the exec blocks as written.
func TestKubectlLoadsResult(t *testing.T) {
	if _, err := os.Stat(kubectl); err != nil {
		t.Skip("no " + kubectl)
	}
	modeArgs := [][]string{
		{"-l", "devicecode"}, {"-l", "interactive", "--pop-enabled", "--pop-claims", "u=/x"},
		{"-l", "spn", "--client-secret", "s"}, {"-l", "ropc"}, {"-l", "msi", "--client-id", "mi"},
		{"-l", "azurecli", "--azure-config-dir", "/az"}, {"-l", "azd"}, {"-l", "workloadidentity"},
		{"-l", "azurepipelines"},
	}
	inputs := map[string]string{
		"aks.yaml":    fixture(t, "aks.yaml"),
		"legacy.yaml": fixture(t, "legacy.yaml"),
		"aks.json":    fixture(t, "aks.json"),
		"multi.yaml":  fixture(t, "multi.yaml"),
		"v1":          oneUser(execBody(apiV1, "kubelogin", "get-token", "--server-id", server, "--client-id", "c", "--tenant-id", "t")),
	}
	for name, in := range inputs {
		for _, args := range modeArgs {
			t.Run(name+" "+strings.Join(args, " "), func(t *testing.T) {
				if name == "multi.yaml" && args[1] == "interactive" {
					args = append(args, "--context", "aks1") // PoP claims name one cluster
				}
				path := writeFile(t, t.TempDir(), "config", in)
				if r := runCmd(t, nil, append([]string{"--kubeconfig", path}, args...)...); r.err != nil {
					t.Fatal(r.err)
				}
				ours := parsed(t, path)
				theirs := kubectlConfigView(t, path)
				for _, u := range ours.users {
					var v userView
					if err := u.value.Decode(&v); err != nil || v.Exec == nil {
						continue
					}
					k, ok := theirs[u.name]
					if !ok {
						t.Fatalf("kubectl does not see user %s's exec", u.name)
					}
					if k.Command != v.Exec.Command || k.APIVersion != v.Exec.APIVersion || !reflect.DeepEqual(k.Args, v.Exec.Args) || !reflect.DeepEqual(k.Env, v.Exec.Env) {
						t.Errorf("user %s: kubectl sees %+v, we wrote %+v", u.name, k, *v.Exec)
					}
					if k.APIVersion == apiV1 && k.InteractiveMode != "IfAvailable" {
						t.Errorf("user %s: v1 without interactiveMode", u.name)
					}
				}
			})
		}
	}
}

// TestKubectlRunsResult: kubectl runs the converted exec block (a stand-in
// kubelogin on PATH records its args and returns a token) and sends the
// token to an API server.
func TestKubectlRunsResult(t *testing.T) {
	if _, err := os.Stat(kubectl); err != nil {
		t.Skip("no " + kubectl)
	}
	var gotAuth string
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.0"}`))
	}))
	defer api.Close()

	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := `#!/bin/sh
printf '%s\n' "$@" > ` + record + `
case "$KUBERNETES_EXEC_INFO" in
*'authentication.k8s.io/v1"'*) v=v1 ;;
*) v=v1beta1 ;;
esac
echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/'$v'","status":{"token":"tok-'$v'"}}'
`
	if err := os.WriteFile(filepath.Join(bin, "kubelogin"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		apiVersion string
		args       []string
	}{
		{apiV1beta1, []string{"-l", "azurecli"}},
		{apiV1beta1, []string{"-l", "spn", "--client-secret", "s"}},
		{apiV1, []string{"-l", "devicecode"}},
		{apiV1, []string{"-l", "workloadidentity"}},
	} {
		t.Run(tc.apiVersion+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			in := strings.Replace(oneUser(execBody(tc.apiVersion, "kubelogin", "get-token", "--server-id", server, "--client-id", "c", "--tenant-id", "t")),
				"server: https://c1.example.com", "server: "+api.URL+"\n    insecure-skip-tls-verify: true", 1)
			dir := t.TempDir()
			path := writeFile(t, dir, "config", in)
			if r := runCmd(t, nil, append([]string{"--kubeconfig", path}, tc.args...)...); r.err != nil {
				t.Fatal(r.err)
			}
			cmd := exec.Command(kubectl, "--kubeconfig", path, "get", "--raw", "/version")
			cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kubectl: %v\n%s", err, out)
			}
			want := "Bearer tok-" + tc.apiVersion[strings.LastIndex(tc.apiVersion, "/")+1:]
			if gotAuth != want {
				t.Errorf("API server got %q, want %q", gotAuth, want)
			}
			wantArgs := userOf(t, parsed(t, path), "u1").Exec.Args
			if got := strings.Fields(readString(t, record)); !reflect.DeepEqual(got, wantArgs) {
				t.Errorf("kubelogin ran with %q, want %q", got, wantArgs)
			}
		})
	}
}
