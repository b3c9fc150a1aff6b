package kubeapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/kubectltest"
)

// kubectls lists the kubectl binaries to try: the one found through
// $KUBECTL or PATH plus the versioned builds beside it (1.27–1.33 here).
func kubectls(t *testing.T) []string {
	t.Helper()
	kubectl := kubectltest.Path(t)
	return append([]string{kubectl}, kubectltest.Versions(kubectl)...)
}

// TestRealKubectl proves the stand-in is enough for real kubectl: it authenticates through an exec plugin
// (a shell script printing an ExecCredential with an emulator-issued token) and renders nodes and whoami.
func TestRealKubectl(t *testing.T) {
	bins := kubectls(t)
	e := newEnv(t)
	dir := t.TempDir()

	cred, err := json.Marshal(map[string]any{
		"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1",
		"status": map[string]any{"token": e.userToken(t), "expirationTimestamp": e.em.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cred.json"), cred, 0o600); err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(dir, "fake-plugin")
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\nexec cat \""+filepath.Join(dir, "cred.json")+"\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "aks",
		"clusters": []any{map[string]any{"name": "aks", "cluster": map[string]any{
			"server": e.api.URL(), "certificate-authority-data": base64.StdEncoding.EncodeToString(e.api.CA().PEM()),
		}}},
		"contexts": []any{map[string]any{"name": "aks", "context": map[string]any{"cluster": "aks", "user": "aad"}}},
		"users": []any{map[string]any{"name": "aad", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1", "command": plugin, "interactiveMode": "Never",
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, bin := range bins {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			run := func(args ...string) string {
				c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				cmd := exec.CommandContext(c, bin, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
				cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			nodes := run("get", "nodes")
			for _, want := range []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION", "aks-nodepool1-12345678-vmss000000", "Ready", "v1.32.4"} {
				if !strings.Contains(nodes, want) {
					t.Errorf("kubectl get nodes output lacks %q:\n%s", want, nodes)
				}
			}
			if wide := run("get", "nodes", "-o", "wide"); !strings.Contains(wide, "10.224.0.4") {
				t.Errorf("kubectl get nodes -o wide lacks the internal IP:\n%s", wide)
			}
			if name := run("get", "nodes", "-o", "name"); !strings.Contains(name, "node/aks-nodepool1-12345678-vmss000001") {
				t.Errorf("kubectl get nodes -o name:\n%s", name)
			}
			if who := run("auth", "whoami"); !strings.Contains(who, entraemu.DefaultUserUPN) {
				t.Errorf("kubectl auth whoami lacks the user:\n%s", who)
			}
		})
	}
}
