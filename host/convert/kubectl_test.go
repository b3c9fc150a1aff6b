package convert

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// findKubectl is $KUBECTL, else kubectl on PATH. Without one the test is
// skipped with a message, except in CI (CI set), where that is a failure.
func findKubectl(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KUBECTL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("KUBECTL=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no kubectl on PATH and KUBECTL unset: CI must test against the real kubectl")
		}
		t.Skip("no kubectl on PATH and KUBECTL unset: skipping the checks against the real kubectl")
	}
	return p
}

// kubectlConfigView loads kubeconfigs with the real kubectl, merged as
// KUBECONFIG merges them, and returns each user's exec block as kubectl
// sees it.
func kubectlConfigView(t *testing.T, kubectl string, paths ...string) map[string]execView {
	t.Helper()
	cmd := exec.Command(kubectl, "config", "view", "--raw", "-o", "json")
	cmd.Env = []string{"KUBECONFIG=" + strings.Join(paths, string(os.PathListSeparator)), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
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
// multi-user files included, with the exec blocks as written. Each mode's
// results are loaded by one kubectl run (KUBECONFIG lists them all; the
// inputs' user names differ), and the modes run in parallel.
func TestKubectlLoadsResult(t *testing.T) {
	kubectl := findKubectl(t)
	modeArgs := [][]string{
		{"-l", "devicecode"}, {"-l", "interactive", "--pop-enabled", "--pop-claims", "u=/x"},
		{"-l", "spn", "--client-secret", "s"}, {"-l", "ropc", "--password", "p"}, {"-l", "msi", "--client-id", "mi"},
		{"-l", "azurecli", "--azure-config-dir", "/az"}, {"-l", "azd"}, {"-l", "workloadidentity"},
		{"-l", "azurepipelines"},
	}
	inputs := map[string]string{
		"aks.yaml":    fixture(t, "aks.yaml"),
		"legacy.yaml": fixture(t, "legacy.yaml"),
		"aks.json":    strings.ReplaceAll(fixture(t, "aks.json"), aksU, aksU+"_json"),
		"multi.yaml":  fixture(t, "multi.yaml"),
		"v1":          oneUser(execBody(apiV1, "kubelogin", "get-token", "--server-id", server, "--client-id", "c", "--tenant-id", "t")),
	}
	for _, args := range modeArgs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var paths []string
			ours := map[string]*execView{}
			for name, in := range inputs {
				args := args
				if name == "multi.yaml" && args[1] == "interactive" {
					args = append(args, "--context", "aks1") // PoP claims name one cluster
				}
				path := writeFile(t, dir, name, in)
				if r := runCmd(t, nil, append([]string{"--kubeconfig", path}, args...)...); r.err != nil {
					t.Fatalf("%s: %v", name, r.err)
				}
				paths = append(paths, path)
				for _, u := range parsed(t, path).users {
					var v userView
					if err := u.value.Decode(&v); err == nil && v.Exec != nil {
						ours[u.name] = v.Exec
					}
				}
			}
			theirs := kubectlConfigView(t, kubectl, paths...)
			for name, v := range ours {
				k, ok := theirs[name]
				if !ok {
					t.Fatalf("kubectl does not see user %s's exec", name)
				}
				if k.Command != v.Command || k.APIVersion != v.APIVersion || !reflect.DeepEqual(k.Args, v.Args) || !reflect.DeepEqual(k.Env, v.Env) {
					t.Errorf("user %s: kubectl sees %+v, we wrote %+v", name, k, *v)
				}
				if k.APIVersion == apiV1 && k.InteractiveMode != "IfAvailable" {
					t.Errorf("user %s: v1 without interactiveMode", name)
				}
			}
		})
	}
}

// TestKubectlAgreesOnKind: convert refuses exactly the files kubectl
// refuses, apart from the documented ones with none of a kubeconfig's keys.
// The files kubectl must accept are loaded by one kubectl run; each one it
// must refuse by its own, in parallel.
func TestKubectlAgreesOnKind(t *testing.T) {
	kubectl := findKubectl(t)
	dir := t.TempDir()
	var accepted []string
	for i, tc := range kindCases {
		if !tc.refused || tc.kubectlAccepts {
			accepted = append(accepted, writeFile(t, dir, fmt.Sprintf("accepted-%d", i), tc.in))
		}
	}
	cmd := exec.Command(kubectl, "config", "view")
	cmd.Env = []string{"KUBECONFIG=" + strings.Join(accepted, string(os.PathListSeparator)), "HOME=" + dir}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("kubectl refuses a file convert accepts: %v\n%s", err, out)
	}
	for _, tc := range kindCases {
		if !tc.refused || tc.kubectlAccepts {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "config", tc.in)
			if out, err := exec.Command(kubectl, "config", "view", "--kubeconfig", path).CombinedOutput(); err == nil {
				t.Errorf("kubectl accepts it, convert refuses it:\n%s", out)
			}
		})
	}
}

// TestKubectlRunsResult: kubectl runs the converted exec block (a stand-in
// kubelogin on PATH records its args and returns a token) and sends the
// token to an API server.
func TestKubectlRunsResult(t *testing.T) {
	kubectl := findKubectl(t)
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
