package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGetTokenEnvironment: the provider starts with kubelogin's
// environment minus its settings variables, and the cache directory from
// KUBECACHEDIR is honoured, except under --disable-environment-override.
func TestGetTokenEnvironment(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		envCache bool // the cache is in KUBECACHEDIR
	}{
		{name: "environment", args: nil, envCache: true},
		{name: "disabled", args: []string{"--disable-environment-override", "--client-id", "flag-client", "--client-secret", "flag-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			prov := issuing(h.now, serverID, bearer, "spn")
			h.install(t, "spn", prov)
			envCache := filepath.Join(t.TempDir(), "kubecachedir")
			for k, v := range map[string]string{
				"KUBECACHEDIR": envCache, "REQUESTS_CA_BUNDLE": "/ca.pem", "THIRD_PARTY_SETTING": "x",
				"AZURE_CLIENT_ID": "env-client", "AZURE_CLIENT_SECRET": "s3cret", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET": "s3cret-2",
				"KUBELOGIN_TOKEN_STORE": "file", "KUBELOGIN_PROVIDER_PATH": "/nowhere", "KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE": "2MiB",
				"KUBELOGIN_PROVIDER_ARG_TOKEN": "arg-secret",
			} {
				h.env[k] = v
			}
			args := append([]string{"get-token", "-l", "spn", "--server-id", serverID, "-t", "tenant"}, tt.args...)
			if code := h.run(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			for _, want := range []string{"REQUESTS_CA_BUNDLE=/ca.pem", "THIRD_PARTY_SETTING=x", "HOME=" + h.home} {
				if !slices.Contains(h.launcher.env, want) {
					t.Errorf("the provider's environment lacks %s", want)
				}
			}
			for _, kv := range h.launcher.env {
				for _, name := range []string{"AZURE_CLIENT_SECRET=", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET=", "AZURE_CLIENT_ID=", "KUBECACHEDIR=",
					"KUBELOGIN_TOKEN_STORE=", "KUBELOGIN_PROVIDER_PATH=", "KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE=", "KUBELOGIN_PROVIDER_ARG_TOKEN="} {
					if strings.HasPrefix(kv, name) {
						t.Errorf("the provider's environment holds %s", name)
					}
				}
			}
			r := prov.requests()[0]
			if tt.envCache && (r.ClientID != "env-client" || r.Credentials.ClientSecret != "s3cret") {
				t.Errorf("request from the environment: client %q, secret from env %t", r.ClientID, r.Credentials.ClientSecret == "s3cret")
			}
			if !tt.envCache && (r.ClientID != "flag-client" || r.Credentials.ClientSecret != "flag-secret") {
				t.Errorf("request under --disable-environment-override: client %q, secret from flag %t", r.ClientID, r.Credentials.ClientSecret == "flag-secret")
			}
			if h.launcher.maxMsg != 2<<20 {
				t.Errorf("provider launched with a %d-byte message limit, want KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE's 2MiB", h.launcher.maxMsg)
			}
			inEnv, inHome := cached(t, envCache), cached(t, h.cacheDir())
			if tt.envCache != inEnv || tt.envCache == inHome {
				t.Errorf("token cached in KUBECACHEDIR %t, in ~/.kube/cache/kubelogin %t", inEnv, inHome)
			}
		})
	}
}

// TestGetTokenBadMessageSize: a malformed KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE
// is one line naming the variable, before any provider starts.
func TestGetTokenBadMessageSize(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", issuing(h.now, serverID, bearer, "spn"))
	h.env["KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE"] = "lots"
	code := h.run(t, "get-token", "-l", "spn", "--server-id", serverID, "--client-id", "c", "--client-secret", "s", "-t", "tenant")
	h.oneLineError(t, code, `KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE="lots" is not a size`)
	if len(h.launcher.launched) != 0 {
		t.Errorf("a provider started despite the bad limit: %v", h.launcher.launched)
	}
}

// cached reports whether dir holds a cache entry (encrypted or not: the
// file is there either way).
func cached(t *testing.T, dir string) bool {
	t.Helper()
	entries, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) > 0
}

// TestGetTokenCIJobVariables: the host, not the provider, reads a CI
// job's OIDC endpoint and token, for the mode that uses them, and not
// under --disable-environment-override.
func TestGetTokenCIJobVariables(t *testing.T) {
	tests := []struct {
		mode, urlVar, tokenVar string
		args                   []string
		want                   bool
	}{
		{mode: "workloadidentity", urlVar: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenVar: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", want: true},
		{mode: "workloadidentity", urlVar: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenVar: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", args: []string{"--disable-environment-override"}},
		{mode: "workloadidentity", urlVar: "SYSTEM_OIDCREQUESTURI", tokenVar: "SYSTEM_ACCESSTOKEN"},
		{mode: "azurepipelines", urlVar: "SYSTEM_OIDCREQUESTURI", tokenVar: "SYSTEM_ACCESSTOKEN", want: true},
		{mode: "azurepipelines", urlVar: "SYSTEM_OIDCREQUESTURI", tokenVar: "SYSTEM_ACCESSTOKEN", args: []string{"--disable-environment-override"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{tt.mode, tt.urlVar}, tt.args...), " "), func(t *testing.T) {
			h := newHarness(t)
			prov := issuing(h.now, serverID, bearer, tt.mode)
			h.install(t, tt.mode, prov)
			h.env[tt.urlVar], h.env[tt.tokenVar] = "https://oidc.example/token", "job-token"
			args := append([]string{"get-token", "-l", tt.mode, "--server-id", serverID, "--client-id", "c", "-t", "tenant",
				"--azure-pipelines-service-connection-id", "conn", "--no-cache"}, tt.args...)
			if code := h.run(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			c := prov.requests()[0].Credentials
			if got := c.OIDCRequestURL == "https://oidc.example/token" && c.OIDCRequestToken == "job-token"; got != tt.want {
				t.Errorf("request carries the job's endpoint and token: %t, want %t (url %q)", got, tt.want, c.OIDCRequestURL)
			}
			if slices.Contains(h.launcher.env, tt.tokenVar+"=job-token") {
				t.Errorf("%s reached the provider's environment", tt.tokenVar)
			}
		})
	}
}
