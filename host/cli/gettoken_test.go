package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/execcred"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

var bearer = sdk.Capabilities{Stateful: true}

func TestGetTokenMissThenHit(t *testing.T) {
	h := newHarness(t)
	prov := issuing(h.now, serverID, bearer, "spn")
	h.install(t, "spn", prov)
	h.env["AAD_SERVICE_PRINCIPAL_CLIENT_ID"] = "client"
	h.env["AAD_SERVICE_PRINCIPAL_CLIENT_SECRET"] = "s3cret"
	args := []string{"get-token", "-l", "spn", "--server-id", serverID, "-t", "tenant"}

	if code := h.run(t, args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, h.err.String())
	}
	ec := parseExecCredential(t, h.out.String())
	if ec.APIVersion != execcred.V1beta1 || ec.Status.Token != jwt(serverID) {
		t.Errorf("ExecCredential %+v: want v1beta1 with the provider's token", ec)
	}
	if want := h.now.Add(55 * time.Minute).Format(time.RFC3339); ec.Status.ExpirationTimestamp != want {
		t.Errorf("expirationTimestamp %s, want %s (expiry less the margin)", ec.Status.ExpirationTimestamp, want)
	}
	if !strings.Contains(h.err.String(), "Signing in as test-provider") {
		t.Errorf("the provider's message did not reach stderr: %q", h.err.String())
	}
	if strings.Contains(h.err.String(), "s3cret") {
		t.Error("the client secret reached stderr")
	}
	reqs := prov.requests()
	if len(reqs) != 1 {
		t.Fatalf("provider got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.LoginMode != "spn" || r.ClientID != "client" || r.TenantID != "tenant" || r.Credentials.ClientSecret != "s3cret" ||
		r.Scopes[0] != serverID+"/.default" || r.State != nil || r.Timeout != time.Minute {
		t.Errorf("provider request %v (secret set: %t) is not the planned one", r, r.Credentials.ClientSecret == "s3cret")
	}
	if c := h.launcher.conns[0]; !c.closed || c.aborted {
		t.Errorf("provider closed %t aborted %t; want a graceful close", c.closed, c.aborted)
	}

	entries, err := h.openCache().List()
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache holds %d entries (%v), want 1", len(entries), err)
	}
	e := entries[0]
	if e.LoginMode != "spn" || e.ClientID != "client" || e.ServerID != serverID || e.Account != "ann@example.com" || string(e.State) != "refresh" {
		t.Errorf("cached entry %+v", e)
	}

	// A second kubectl call: a new process with the same settings.
	h.launcher.launched = nil
	if code := h.run(t, args...); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, h.err.String())
	}
	if n := h.launcher.launches(); n != 0 {
		t.Errorf("a cache hit launched %d providers", n)
	}
	if ec := parseExecCredential(t, h.out.String()); ec.Status.Token != jwt(serverID) {
		t.Errorf("cache hit served %q", ec.Status.Token)
	}
}

func TestGetTokenFailures(t *testing.T) {
	tests := []struct {
		name    string
		install map[string]*scripted // nil provider: its launch fails
		args    []string
		env     map[string]string
		want    string
		starts  int
	}{
		{
			name:    "provider error",
			install: map[string]*scripted{"devicecode": failing(sdk.Errorf(sdk.CodeUnspecified, "AADSTS700016: application not found"))},
			want:    "AADSTS700016: application not found", starts: 1,
		},
		{
			name:    "wrong audience",
			install: map[string]*scripted{"devicecode": issuing(time.Now(), "api://other", bearer, "devicecode")},
			want:    `the token's audience is "api://other" but "` + serverID + `" was expected`, starts: 1,
		},
		{
			name:    "legacy token without --legacy",
			install: map[string]*scripted{"devicecode": issuing(time.Now(), "spn:"+serverID, bearer, "devicecode")},
			want:    "drop --legacy", starts: 1,
		},
		{
			name:    "provider serves another mode",
			install: map[string]*scripted{"devicecode": issuing(time.Now(), serverID, bearer, "interactive")},
			want:    "serves interactive, not devicecode: reinstall it", starts: 1,
		},
		{
			name:    "mode without PoP",
			install: map[string]*scripted{"devicecode": issuing(time.Now(), serverID, bearer, "devicecode")},
			args:    []string{"--pop-enabled", "--pop-claims", "u=/arm/id"},
			want:    "login mode devicecode does not support --pop-enabled", starts: 1,
		},
		{
			name:    "mode without legacy",
			install: map[string]*scripted{"devicecode": issuing(time.Now(), serverID, bearer, "devicecode")},
			args:    []string{"--legacy"},
			want:    "login mode devicecode does not support --legacy", starts: 1,
		},
		{
			name:    "provider fails to start",
			install: map[string]*scripted{"devicecode": nil},
			want:    "exited during start-up: boom", starts: 1,
		},
		{name: "provider not installed", want: "no provider for login mode devicecode"},
		{
			name:    "timeout",
			install: map[string]*scripted{"devicecode": failing(sdk.Errorf(sdk.CodeCancelled, "cancelled"))},
			want:    "no token within --timeout 1m0s: raise --timeout", starts: 1,
		},
		{name: "no server id", args: []string{"--server-id", ""}, want: "--server-id is required"},
		{name: "invalid settings", args: []string{"--pop-enabled"}, want: "--pop-claims is required"},
		{name: "unknown cloud", args: []string{"-e", "Mars"}, want: `unknown --environment "Mars"`},
		{name: "bad exec info", env: map[string]string{"KUBERNETES_EXEC_INFO": "{"}, want: "KUBERNETES_EXEC_INFO is not an ExecCredential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for mode, p := range tt.install {
				if p == nil {
					h.install(t, mode, nil)
				} else {
					h.install(t, mode, p)
				}
			}
			for k, v := range tt.env {
				h.env[k] = v
			}
			args := append([]string{"get-token", "--server-id", serverID}, tt.args...)
			h.oneLineError(t, h.run(t, args...), tt.want)
			if n := h.launcher.launches(); n != tt.starts {
				t.Errorf("%d providers launched, want %d", n, tt.starts)
			}
			entries, _ := h.openCache().List()
			if len(entries) != 0 {
				t.Errorf("a failed run cached %d entries", len(entries))
			}
		})
	}
}

func failing(err error) *scripted {
	return &scripted{
		info: sdk.Info{Name: "failing", LoginModes: []string{"devicecode"}},
		get:  func(context.Context, *sdk.Request, sdk.UI) (*sdk.Token, error) { return nil, err },
	}
}

func TestGetTokenInterrupted(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.install(t, "devicecode", &scripted{
		info: sdk.Info{LoginModes: []string{"devicecode"}},
		get: func(pctx context.Context, _ *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
			cancel() // the user presses Ctrl-C while signing in
			<-pctx.Done()
			return nil, pctx.Err()
		},
	})
	o := &GetTokenOptions{f: h.f}
	o.Token.LoginMode, o.Token.ServerID, o.Token.Timeout = "devicecode", serverID, time.Minute
	err := RunGetToken(ctx, o)
	if err == nil || err.Error() != "interrupted before a token was obtained" {
		t.Fatalf("error %v, want the interrupt", err)
	}
	if c := h.launcher.conns[0]; !c.aborted {
		t.Error("an interrupted provider was not aborted")
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout %q", h.out.String())
	}
}

func TestGetTokenLegacy(t *testing.T) {
	h := newHarness(t)
	prov := issuing(h.now, "spn:"+serverID, sdk.Capabilities{Legacy: true}, "devicecode")
	h.install(t, "devicecode", prov)
	if code := h.run(t, "get-token", "--server-id", serverID, "--legacy"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.err.String())
	}
	if ec := parseExecCredential(t, h.out.String()); ec.Status.Token != jwt("spn:"+serverID) {
		t.Errorf("token %q", ec.Status.Token)
	}
	if r := prov.requests()[0]; !r.Legacy || r.Resource != serverID {
		t.Errorf("request legacy %t resource %q, want a v1 request for the server id", r.Legacy, r.Resource)
	}
}

func TestGetTokenPoP(t *testing.T) {
	h := newHarness(t)
	prov := issuing(h.now, serverID, sdk.Capabilities{PoP: true}, "spn")
	h.install(t, "spn", prov)
	args := []string{"get-token", "-l", "spn", "--server-id", serverID, "--client-id", "c", "--client-secret", "s",
		"--pop-enabled", "--pop-claims", "u=/arm/cluster"}
	for i := range 2 {
		if code := h.run(t, args...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
		ec := parseExecCredential(t, h.out.String())
		claims := popPayload(t, ec.Status.Token)
		if claims["at"] != jwt(serverID) || claims["u"] != "/arm/cluster" {
			t.Errorf("run %d: PoP token wraps at=%v u=%v", i, claims["at"], claims["u"])
		}
	}
	if n := h.launcher.launches(); n != 1 {
		t.Errorf("%d providers launched for a miss and a hit, want 1", n)
	}
	if r := prov.requests()[0]; r.PoP == nil || r.PoP.ReqCnf == "" {
		t.Error("the provider was not asked for a token bound to the host's key")
	}
	entries, err := h.openCache().List()
	if err != nil || len(entries) != 1 || !entries[0].PoP || entries[0].AccessToken != jwt(serverID) {
		t.Errorf("cache %+v (%v): want one PoP entry holding the raw access token", entries, err)
	}
}

func popPayload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a signed PoP token", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGetTokenAzureCLIProfile checks that az account set (a changed
// profile) misses the cache while an unchanged profile hits it.
func TestGetTokenAzureCLIProfile(t *testing.T) {
	h := newHarness(t)
	h.install(t, "azurecli", issuing(h.now, serverID, bearer, "azurecli"))
	azDir := t.TempDir()
	h.env["AZURE_CONFIG_DIR"] = azDir
	profile := filepath.Join(azDir, "azureProfile.json")
	args := []string{"get-token", "-l", "azurecli", "--server-id", serverID}
	for i, step := range []struct {
		profile string
		starts  int
	}{{`{"user":"ann"}`, 1}, {`{"user":"ann"}`, 1}, {`{"user":"bob"}`, 2}} {
		if err := os.WriteFile(profile, []byte(step.profile), 0o600); err != nil {
			t.Fatal(err)
		}
		if code := h.run(t, args...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, h.err.String())
		}
		if n := h.launcher.launches(); n != step.starts {
			t.Errorf("after run %d: %d providers launched, want %d", i, n, step.starts)
		}
	}
}

func TestGetTokenNoCache(t *testing.T) {
	h := newHarness(t)
	h.install(t, "devicecode", issuing(h.now, serverID, bearer, "devicecode"))
	h.env["KUBERNETES_EXEC_INFO"] = `{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`
	for range 2 {
		if code := h.run(t, "get-token", "--server-id", serverID, "--no-cache"); code != 0 {
			t.Fatalf("exit %d: %s", code, h.err.String())
		}
		if ec := parseExecCredential(t, h.out.String()); ec.APIVersion != execcred.V1 {
			t.Errorf("apiVersion %q, want what KUBERNETES_EXEC_INFO asked for", ec.APIVersion)
		}
	}
	if n := h.launcher.launches(); n != 2 {
		t.Errorf("%d providers launched, want one per run", n)
	}
	if _, err := os.Stat(h.cacheDir()); !os.IsNotExist(err) {
		t.Errorf("--no-cache touched the cache directory: %v", err)
	}
}

// TestGetTokenWithoutUsableCache checks that a cache directory that cannot
// be used costs the cache, not the token; PoP then signs with a key that
// lives for this run only.
func TestGetTokenWithoutUsableCache(t *testing.T) {
	tests := []struct {
		name, warning string
		args          []string
	}{
		{"relative cache dir", "is relative; use an absolute path or one starting with ~; continuing without a token cache", []string{"--cache-dir", "relative/dir"}},
		{"pop with --no-cache", "", []string{"--no-cache"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.install(t, "spn", issuing(h.now, serverID, sdk.Capabilities{PoP: true}, "spn"))
			args := append([]string{"get-token", "-l", "spn", "--server-id", serverID, "--pop-enabled", "--pop-claims", "u=/arm/cluster"}, tt.args...)
			if code := h.run(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.err.String())
			}
			if at := popPayload(t, parseExecCredential(t, h.out.String()).Status.Token)["at"]; at != jwt(serverID) {
				t.Errorf("PoP token wraps %v", at)
			}
			if !strings.Contains(h.err.String(), tt.warning) {
				t.Errorf("stderr %q, want a warning containing %q", h.err.String(), tt.warning)
			}
			if _, err := os.Stat(h.cacheDir()); !os.IsNotExist(err) {
				t.Errorf("the default cache directory was used: %v", err)
			}
		})
	}
}
