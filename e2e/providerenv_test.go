package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProviderEnvironment: a provider inherits kubelogin's environment
// (CA bundles, its own variables) minus kubelogin's settings variables,
// secrets first, which reach it only in its request.
func TestProviderEnvironment(t *testing.T) {
	t.Parallel()
	env := append(withTestProviders(baseEnv(t)),
		"REQUESTS_CA_BUNDLE=/etc/ssl/corporate.pem",
		"DUMPENV_OWN_SETTING=42",
		"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET=e2e-secret-1",
		"AZURE_CLIENT_SECRET=e2e-secret-2",
		"ARM_CLIENT_SECRET=e2e-secret-3",
		"AZURE_CLIENT_ID=some-client",
		"KUBELOGIN_TOKEN_STORE=file",
		"KUBELOGIN_PROVIDER_ARG_API_KEY=e2e-secret-4",
	)
	r := run(t, env, "kubelogin", "get-token", "-l", "dumpenv", "--server-id", "srv", "--no-cache")
	if r.code != 0 {
		t.Fatalf("get-token: exit %d: %s", r.code, r.stderr)
	}
	tokenOf(t, r.stdout)
	var names []string
	for _, line := range strings.Split(r.stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, "environment: "); ok {
			names = strings.Fields(rest)
		}
	}
	if names == nil {
		t.Fatalf("the provider did not report its environment:\n%s", r.stderr)
	}
	for _, want := range []string{"REQUESTS_CA_BUNDLE", "DUMPENV_OWN_SETTING", "PATH", "HOME"} {
		if !slices.Contains(names, want) {
			t.Errorf("the provider's environment lacks %s: %v", want, names)
		}
	}
	// withTestProviders sets KUBELOGIN_PROVIDER_PATH: a host variable, not the provider's.
	for _, absent := range []string{"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET", "AZURE_CLIENT_ID",
		"KUBELOGIN_TOKEN_STORE", "KUBELOGIN_PROVIDER_ARG_API_KEY", "KUBELOGIN_PROVIDER_PATH"} {
		if slices.Contains(names, absent) {
			t.Errorf("the provider's environment holds %s", absent)
		}
	}
}

// TestKubeCacheDirAndDisableEnvironmentOverride: KUBECACHEDIR places the
// cache, unless --disable-environment-override says to ignore kubelogin's
// variables.
func TestKubeCacheDirAndDisableEnvironmentOverride(t *testing.T) {
	t.Parallel()
	for _, disable := range []bool{false, true} {
		base := withTestProviders(baseEnv(t))
		home := envValue(base, "HOME")
		envDir := filepath.Join(t.TempDir(), "kubecachedir")
		args := []string{"get-token", "-l", "fake", "--server-id", "srv"}
		if disable {
			args = append(args, "--disable-environment-override")
		}
		r := run(t, append(base, "KUBECACHEDIR="+envDir), "kubelogin", args...)
		if r.code != 0 {
			t.Fatalf("get-token (disable %t): exit %d: %s", disable, r.code, r.stderr)
		}
		inEnv := hasEntries(t, envDir)
		inHome := hasEntries(t, filepath.Join(home, ".kube", "cache", "kubelogin"))
		if inEnv == disable || inHome != disable {
			t.Errorf("--disable-environment-override %t: cached in KUBECACHEDIR %t, in ~/.kube/cache/kubelogin %t", disable, inEnv, inHome)
		}
	}
}

// hasEntries reports whether dir holds a cache entry (<id>.json).
func hasEntries(t *testing.T, dir string) bool {
	t.Helper()
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return len(entries) > 0
}

// TestAzureCLISeesCABundle: the az that the azurecli provider runs gets
// REQUESTS_CA_BUNDLE (Python's CA setting for TLS-inspecting proxies) and
// none of kubelogin's secrets.
func TestAzureCLISeesCABundle(t *testing.T) {
	t.Parallel()
	azDir, fakeBin := t.TempDir(), t.TempDir()
	// fakeAz answers from token.json and needs a profile; this wrapper
	// records the names in az's environment first.
	wrapper := "#!/bin/sh\nenv | cut -d= -f1 > \"$AZURE_CONFIG_DIR/env.names\"\nexec " + filepath.Join(fakeBin, "az-answer") + " \"$@\"\n"
	for name, content := range map[string]string{"az": wrapper, "az-answer": fakeAz} {
		if err := os.WriteFile(filepath.Join(fakeBin, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exp := time.Now().Add(time.Hour)
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(fmt.Sprintf(`{"aud":"srv","exp":%d}`, exp.Unix()))) + ".sig"
	out, _ := json.Marshal(map[string]any{"accessToken": tok, "expires_on": exp.Unix(), "subscription": "sub-1", "tenant": "t", "tokenType": "Bearer"})
	for name, content := range map[string]string{"token.json": string(out), "azureProfile.json": `{"subscriptions":[{"id":"sub-1","isDefault":true}]}`} {
		if err := os.WriteFile(filepath.Join(azDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := baseEnv(t)
	env = append(env, "PATH="+fakeBin+string(os.PathListSeparator)+envValue(env, "PATH"), "AZURE_CONFIG_DIR="+azDir,
		"REQUESTS_CA_BUNDLE=/etc/ssl/corporate.pem", "AZURE_CORE_OUTPUT=json", "AZURE_CLIENT_SECRET=e2e-secret")
	r := run(t, env, "kubelogin", "get-token", "-l", "azurecli", "--server-id", "srv", "--no-cache")
	if r.code != 0 {
		t.Fatalf("get-token: exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(azDir, "env.names"))
	if err != nil {
		t.Fatalf("az did not run: %v", err)
	}
	names := strings.Fields(string(b))
	for _, want := range []string{"REQUESTS_CA_BUNDLE", "AZURE_CORE_OUTPUT", "AZURE_CONFIG_DIR"} {
		if !slices.Contains(names, want) {
			t.Errorf("az's environment lacks %s", want)
		}
	}
	if slices.Contains(names, "AZURE_CLIENT_SECRET") {
		t.Error("az's environment holds AZURE_CLIENT_SECRET")
	}
}
