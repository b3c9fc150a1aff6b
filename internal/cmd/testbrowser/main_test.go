package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// TestSignsInForMSAL runs the built program as MSAL's browser against the
// emulator's login form, as the host would run it from $BROWSER.
func TestSignsInForMSAL(t *testing.T) {
	const bob = "bob@" + entraemu.DefaultTenantDomain
	tests := []struct {
		name, user, password string
		wantUPN, wantLog     string
	}{
		{name: "default user", wantUPN: entraemu.DefaultUserUPN, wantLog: "signed in"},
		{name: "named user", user: bob, password: "pw", wantUPN: bob, wantLog: "signed in"},
		{name: "wrong password", user: bob, password: "nope", wantLog: "error: browser: sign-in failed: Your account or password is incorrect."},
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "testbrowser")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	em, err := entraemu.New(entraemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Public: true})
	em.AddUser(entraemu.User{UPN: bob, Password: "pw"})
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	caFile := filepath.Join(dir, "ca.pem")
	if err := em.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	app, err := public.New(entraemu.AKSClientID, public.WithAuthority(em.Authority(entraemu.DefaultTenantID)),
		public.WithInstanceDiscovery(false), public.WithHTTPClient(em.CA().HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logFile := filepath.Join(t.TempDir(), "browser.log")
			open := func(u string) error {
				cmd := exec.Command(bin, u)
				cmd.Env = []string{"SSL_CERT_FILE=" + caFile, "TESTBROWSER_USER=" + tt.user,
					"TESTBROWSER_PASSWORD=" + tt.password, "TESTBROWSER_LOG=" + logFile}
				return cmd.Run()
			}
			// A failed sign-in never reaches MSAL's listener: MSAL waits it out.
			timeout := 10 * time.Second
			if tt.wantUPN == "" {
				timeout = time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			res, err := app.AcquireTokenInteractive(ctx, []string{entraemu.AKSServerID + "/.default"}, public.WithOpenURL(open))
			if tt.wantUPN != "" && (err != nil || res.Account.PreferredUsername != tt.wantUPN) {
				t.Fatalf("signed in as %q, %v; want %s", res.Account.PreferredUsername, err, tt.wantUPN)
			}
			if tt.wantUPN == "" && err == nil {
				t.Fatal("signed in with a wrong password")
			}
			lines := waitForLines(t, logFile, 2)
			if !strings.HasPrefix(lines[0], "open "+em.URL()) || lines[1] != tt.wantLog {
				t.Errorf("log = %q, want an open line, then %q", lines, tt.wantLog)
			}
		})
	}
}

// waitForLines waits for the background sign-in to log its outcome.
func waitForLines(t *testing.T, name string, n int) []string {
	t.Helper()
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(name)
		if lines = strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) >= n {
			return lines
		}
	}
	t.Fatalf("log has %q, want %d lines", lines, n)
	return nil
}
