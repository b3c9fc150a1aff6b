package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/convert"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// parse runs args through the real command tree with every run function
// replaced, and returns the exit status.
func (h *harness) parse(t *testing.T, r runners, args ...string) int {
	t.Helper()
	h.out.Reset()
	h.err.Reset()
	return execute(context.Background(), h.f, newRootCmd(h.f, r), args)
}

func TestGetTokenFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(*options.Token)
	}{
		{name: "defaults", args: nil},
		{
			name: "short flags and aliases",
			args: []string{"-l", "spn", "-t", "tenant", "-s", "sub", "-e", "AzureChinaCloud", "--token-cache-dir", "/c"},
			want: func(o *options.Token) {
				o.LoginMode, o.TenantID, o.Subscription, o.Environment, o.CacheDir = "spn", "tenant", "sub", "AzureChinaCloud", "/c"
			},
		},
		{
			name: "an az aks get-credentials kubeconfig's args",
			args: []string{"--login", "devicecode", "--server-id", serverID, "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
				"--tenant-id", "tenant", "--environment", "AzurePublicCloud"},
			want: func(o *options.Token) {
				o.ServerID, o.ClientID, o.TenantID, o.Environment = serverID, "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "tenant", "AzurePublicCloud"
			},
		},
		{
			name: "provider args, repeated and comma-separated",
			args: []string{"-l", "corp", "--provider-arg", "realm=eu", "--provider-arg", "a=1,b=2"},
			want: func(o *options.Token) {
				o.LoginMode, o.ProviderArgs = "corp", map[string]string{"realm": "eu", "a": "1", "b": "2"}
			},
		},
		{
			name: "switches and durations",
			args: []string{"--no-cache", "--legacy", "--pop-enabled", "--pop-claims", "u=/arm/id", "--timeout", "2m",
				"--disable-environment-override", "--disable-instance-discovery", "--use-azurerm-env-vars", "--cache-dir", "/d"},
			want: func(o *options.Token) {
				o.NoCache, o.Legacy, o.PoPEnabled, o.PoPClaims, o.Timeout = true, true, true, "u=/arm/id", 2*time.Minute
				o.DisableEnvOverride, o.DisableInstanceDiscovery, o.UseAzureRMEnvVars, o.CacheDir = true, true, true, "/d"
			},
		},
		{
			name: "credentials and sign-in settings",
			args: []string{"--client-secret", "s", "--client-certificate", "/c.pfx", "--client-certificate-password", "p",
				"--username", "u", "--password", "pw", "--identity-resource-id", "/id", "--federated-token-file", "/f",
				"--authority-host", "https://login.example/", "--azure-pipelines-service-connection-id", "conn",
				"--redirect-url", "http://localhost:8400", "--login-hint", "ann@example.com"},
			want: func(o *options.Token) {
				o.ClientSecret, o.ClientCertificate, o.ClientCertificatePassword = "s", "/c.pfx", "p"
				o.Username, o.Password, o.IdentityResourceID, o.FederatedTokenFile = "u", "pw", "/id", "/f"
				o.AuthorityHost, o.PipelinesConnectionID = "https://login.example/", "conn"
				o.RedirectURL, o.LoginHint = "http://localhost:8400", "ann@example.com"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			// The environment is applied by the run function, not by parsing.
			h.env["AAD_LOGIN_METHOD"] = "msi"
			var got *GetTokenOptions
			r := runners{getToken: func(_ context.Context, o *GetTokenOptions) error { got = o; return nil }}
			if code := h.parse(t, r, append([]string{"get-token"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			want := options.Token{LoginMode: options.DeviceCode, Timeout: options.DefaultTimeout}
			if tt.want != nil {
				tt.want(&want)
			}
			gotTok := got.Token
			if len(gotTok.ProviderArgs) == 0 && want.ProviderArgs == nil {
				gotTok.ProviderArgs = nil
			}
			if !reflect.DeepEqual(exported(gotTok), exported(want)) {
				t.Errorf("options\n got %+v\nwant %+v", exported(gotTok), exported(want))
			}
			if got.f != h.f {
				t.Error("the options do not carry the factory")
			}
			for _, a := range tt.args {
				if name, ok := strings.CutPrefix(a, "--"); ok && !got.Token.Changed(name) {
					t.Errorf("Changed(%q) is false for a flag on the command line", name)
				}
			}
		})
	}
}

// exported drops the unexported flag set so tokens compare by value.
func exported(t options.Token) map[string]any {
	m := map[string]any{}
	v := reflect.ValueOf(t)
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() {
			m[f.Name] = v.Field(i).Interface()
		}
	}
	return m
}

func TestCommandWiring(t *testing.T) {
	h := newHarness(t)
	h.env["KUBECONFIG"] = "/from/factory"
	var (
		conv       *convert.Options
		removes    []string
		status     *StatusOptions
		list       *ProvidersListOptions
		getTokenOK bool
	)
	r := runners{
		getToken:      func(context.Context, *GetTokenOptions) error { getTokenOK = true; return nil },
		convert:       func(o *convert.Options) error { conv = o; return nil },
		remove:        func(o *RemoveOptions) error { removes = append(removes, o.CacheDir); return nil },
		status:        func(o *StatusOptions) error { status = o; return nil },
		providersList: func(_ context.Context, o *ProvidersListOptions) error { list = o; return nil },
	}
	steps := []struct {
		args  []string
		check func(t *testing.T)
	}{
		{[]string{"-v", "5", "get-token", "--logtostderr"}, func(t *testing.T) {
			if !getTokenOK || h.f.Verbose != 5 || !h.f.Logger().IsDebug() {
				t.Errorf("get-token ran %t with verbosity %d, want -v 5 to reach the factory's logger", getTokenOK, h.f.Verbose)
			}
		}},
		{[]string{"convert-kubeconfig", "-l", "azurecli", "--context", "prod", "--kubeconfig", "/k", "--dry-run", "--server-id", serverID}, func(t *testing.T) {
			if conv == nil {
				t.Fatal("convert-kubeconfig did not run")
			}
			if conv.Token.LoginMode != "azurecli" || conv.Token.ServerID != serverID || conv.Context != "prod" || conv.Kubeconfig != "/k" || !conv.DryRun {
				t.Errorf("convert options %+v", conv)
			}
			if conv.IO.Out != h.out || conv.IO.ErrOut != h.err {
				t.Error("convert-kubeconfig does not write to the factory's streams")
			}
			if v, _ := conv.Getenv("KUBECONFIG"); v != "/from/factory" {
				t.Errorf("convert-kubeconfig reads KUBECONFIG %q, not the factory's environment", v)
			}
		}},
		{[]string{"remove-tokens", "--cache-dir", "/a"}, nil},
		{[]string{"remove-cache-dir", "--token-cache-dir", "/b"}, func(t *testing.T) {
			if !reflect.DeepEqual(removes, []string{"/a", "/b"}) {
				t.Errorf("remove-tokens and remove-cache-dir got cache dirs %q", removes)
			}
		}},
		{[]string{"status", "--token-cache-dir", "/s"}, func(t *testing.T) {
			if status == nil || status.CacheDir != "/s" || status.f != h.f {
				t.Errorf("status options %+v", status)
			}
		}},
		{[]string{"providers", "list"}, func(t *testing.T) {
			if list == nil || list.Timeout != 10*time.Second {
				t.Errorf("providers list options %+v, want the 10s default", list)
			}
		}},
		{[]string{"providers", "list", "--timeout", "3s"}, func(t *testing.T) {
			if list.Timeout != 3*time.Second {
				t.Errorf("providers list timeout %s", list.Timeout)
			}
		}},
	}
	for _, s := range steps {
		if code := h.parse(t, r, s.args...); code != 0 {
			t.Fatalf("%q: exit %d: %s", s.args, code, h.err.String())
		}
		if s.check != nil {
			s.check(t)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"get-token", "extra"},
		{"get-token", "--no-such-flag"},
		{"get-token", "--timeout", "soon"},
		{"status", "extra"},
		{"no-such-command"},
		{"providers", "hash"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := newHarness(t)
			ran := false
			r := runners{
				getToken: func(context.Context, *GetTokenOptions) error { ran = true; return nil },
				status:   func(*StatusOptions) error { ran = true; return nil },
			}
			h.oneLineError(t, h.parse(t, r, args...), "")
			if ran {
				t.Error("the command ran despite a usage error")
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	h := newHarness(t)
	if code := h.run(t); code != 0 || !strings.Contains(h.out.String(), "convert-kubeconfig") {
		t.Errorf("kubelogin without arguments: exit %d, stdout %q; want the help", code, h.out.String())
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if code := h.run(t, args...); code != 0 || !strings.HasPrefix(h.out.String(), "kubelogin version ") {
			t.Errorf("%q: exit %d, stdout %q", args, code, h.out.String())
		}
	}
}

func TestLoggerLevels(t *testing.T) {
	for v, want := range map[int]string{0: "warn", 1: "info", 5: "debug", 10: "trace"} {
		h := newHarness(t)
		h.f.Verbose = v
		if got := h.f.Logger().GetLevel().String(); got != want {
			t.Errorf("-v %d: level %s, want %s", v, got, want)
		}
	}
}

// putEntry stores a token the way get-token would.
func putEntry(t *testing.T, dir string, k cache.Key, e cache.Entry) {
	t.Helper()
	if err := cache.Open(dir, func(msg string) { t.Log(msg) }).Put(k, &e); err != nil {
		t.Fatal(err)
	}
}

func TestStatus(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(t.TempDir(), "cache")
	h.env["KUBECACHEDIR"] = dir
	if code := h.run(t, "status"); code != 0 || !strings.Contains(h.err.String(), "no cached tokens in "+dir) {
		t.Errorf("empty cache: exit %d, stderr %q", code, h.err.String())
	}

	long := h.now.Add(-time.Hour)
	putEntry(t, dir, cache.Key{LoginMode: "spn", TenantID: "t1", ClientID: "c1", ServerID: serverID},
		cache.Entry{AccessToken: "secret-token-1", ExpiresAt: h.now.Add(2 * time.Hour), WrittenAt: long})
	putEntry(t, dir, cache.Key{LoginMode: "devicecode", ServerID: serverID, Legacy: true},
		cache.Entry{AccessToken: "secret-token-2", ExpiresAt: h.now.Add(-time.Hour), WrittenAt: long.Add(-time.Hour), State: []byte("r"), Account: "ann@example.com"})
	putEntry(t, dir, cache.Key{LoginMode: "azurecli", ServerID: serverID, PoPKeyID: "kid"},
		cache.Entry{AccessToken: "secret-token-3", ExpiresAt: h.now.Add(3 * time.Minute), WrittenAt: long, PoP: true})

	if code := h.run(t, "status"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	lines := strings.Split(strings.TrimSpace(h.out.String()), "\n")
	want := [][]string{
		{"MODE", "TENANT", "CLIENT", "SERVER", "ACCOUNT", "TOKEN", "EXPIRES", "KEY"},
		{"devicecode", "-", "-", serverID, "ann@example.com", "bearer,legacy,refreshable", "expired 1h ago"},
		{"azurecli", "-", "-", serverID, "-", "pop", "renews on next use"},
		{"spn", "t1", "c1", serverID, "-", "bearer", "in 1h55m"},
	}
	if len(lines) != len(want) {
		t.Fatalf("status printed %d lines, want %d:\n%s", len(lines), len(want), h.out.String())
	}
	for i, w := range want {
		got := strings.Join(strings.Fields(lines[i]), " ")
		if !strings.HasPrefix(got, strings.Join(w, " ")) {
			t.Errorf("line %d: %q, want it to start with %q", i, got, strings.Join(w, " "))
		}
	}
	if strings.Contains(h.out.String()+h.err.String(), "secret-token") {
		t.Error("status printed a token")
	}
	if !strings.Contains(h.err.String(), "3 cached tokens in "+dir) {
		t.Errorf("stderr %q", h.err.String())
	}
}

func TestRemoveTokens(t *testing.T) {
	for _, name := range []string{"remove-tokens", "remove-cache-dir"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			dir := filepath.Join(t.TempDir(), "cache")
			putEntry(t, dir, cache.Key{LoginMode: "spn", ServerID: serverID}, cache.Entry{AccessToken: "tok", ExpiresAt: h.now.Add(time.Hour)})
			foreign := filepath.Join(dir, "notes.txt")
			if err := os.WriteFile(foreign, []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
			if code := h.run(t, name, "--cache-dir", dir); code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			if !strings.Contains(h.err.String(), "removed ") || !strings.Contains(h.err.String(), "kept "+foreign) {
				t.Errorf("stderr %q: want what was removed and what was kept", h.err.String())
			}
			if h.out.Len() != 0 {
				t.Errorf("stdout %q", h.out.String())
			}
			if entries, _ := cache.Open(dir, func(string) {}).List(); len(entries) != 0 {
				t.Errorf("%d entries left", len(entries))
			}
			if _, err := os.Stat(foreign); err != nil {
				t.Errorf("a file kubelogin did not create was removed: %v", err)
			}

			h.env["KUBECACHEDIR"] = filepath.Join(t.TempDir(), "empty")
			if code := h.run(t, name); code != 0 || !strings.Contains(h.err.String(), "nothing to remove in "+h.env["KUBECACHEDIR"]) {
				t.Errorf("empty cache: exit %d, stderr %q", code, h.err.String())
			}
		})
	}
}

func TestProvidersList(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", issuing(h.now, serverID, bearer, "spn", "spn-legacy"))
	h.install(t, "broken", nil)
	if code := h.run(t, "providers", "list", "--timeout", "5s"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	lines := strings.Split(strings.TrimSpace(h.out.String()), "\n")
	want := []string{
		"NAME VERSION MODES PATH FOUND IN",
		"broken - error: provider broken exited during start-up: boom " + filepath.Join(h.provDir, "kubelogin-provider-broken") + " kubelogin's directory",
		"test-provider 1.0.0 spn,spn-legacy " + filepath.Join(h.provDir, "kubelogin-provider-spn") + " kubelogin's directory",
	}
	if len(lines) != len(want) {
		t.Fatalf("stdout:\n%s", h.out.String())
	}
	for i := range want {
		if got := strings.Join(strings.Fields(lines[i]), " "); got != want[i] {
			t.Errorf("line %d: %q, want %q", i, got, want[i])
		}
	}
	for _, c := range h.launcher.conns {
		if !c.closed {
			t.Error("a described provider was left running")
		}
	}
}

func TestProvidersListUnderPolicy(t *testing.T) {
	h := newHarness(t)
	h.install(t, "spn", issuing(h.now, serverID, bearer, "spn"))
	pol := &policy.Policy{File: "/etc/kubelogin/policy.yaml", Providers: []policy.Provider{
		{Mode: "spn", Path: filepath.Join(h.provDir, "kubelogin-provider-spn"), SHA256: strings.Repeat("a", 64)},
	}}
	h.f.Search = func() provider.Search { return provider.Search{ExecutableDir: h.provDir, Policy: pol} }
	if code := h.run(t, "providers", "list"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	if !strings.Contains(h.err.String(), "Provider policy /etc/kubelogin/policy.yaml is in force") {
		t.Errorf("stderr %q: want the policy named", h.err.String())
	}
	if !strings.Contains(h.out.String(), "policy /etc/kubelogin/policy.yaml") {
		t.Errorf("stdout %q: want the policy as where the provider was found", h.out.String())
	}
	if c := h.launcher.launched; len(c) != 1 || c[0].SHA256 == "" {
		t.Errorf("launched %+v: want the approved candidate with its checksum", c)
	}
}

func TestProvidersListFailures(t *testing.T) {
	t.Run("none installed", func(t *testing.T) {
		h := newHarness(t)
		h.oneLineError(t, h.run(t, "providers", "list"), "no providers found: install kubelogin-provider-<mode>")
	})
	t.Run("broken policy", func(t *testing.T) {
		h := newHarness(t)
		h.f.Search = func() provider.Search {
			return provider.Search{PolicyErr: &sdk.Error{Message: "policy /etc/kubelogin/policy.yaml: line 3: bad sha256"}}
		}
		h.oneLineError(t, h.run(t, "providers", "list"), "bad sha256")
	})
}

func TestProvidersHash(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubelogin-provider-corp")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code := h.run(t, "providers", "hash", bin); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	sum := sha256.Sum256([]byte("binary"))
	want := "providers:\n  - mode: corp\n    path: " + bin + "\n    sha256: " + hex.EncodeToString(sum[:]) + "\n"
	if h.out.String() != want {
		t.Errorf("stdout\n%s\nwant\n%s", h.out.String(), want)
	}

	other := filepath.Join(dir, "tool")
	if err := os.WriteFile(other, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	h.oneLineError(t, h.run(t, "providers", "hash", other), "is not named kubelogin-provider-<mode>")
	h.oneLineError(t, h.run(t, "providers", "hash", filepath.Join(dir, "kubelogin-provider-gone")), "reading ")
}
