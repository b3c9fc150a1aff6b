package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "minimal", args: []string{"--dir", "x"}},
		{name: "all", args: []string{"--dir", "x", "--auto-approve-after", "2s", "--token-lifetime", "5m", "--audience", "a", "--audience", "spn:a", "--extra-dns-name", "login.microsoftonline.com", "--auto-login"}},
		{name: "no dir", args: nil, wantErr: "--dir is required"},
		{name: "stray argument", args: []string{"--dir", "x", "extra"}, wantErr: "unexpected arguments"},
		{name: "bad duration", args: []string{"--dir", "x", "--token-lifetime", "soon"}, wantErr: "invalid value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestBinary builds kubelogin-testenv, runs it as the e2e tests will, uses every credential it hands out,
// and stops it with SIGTERM.
func TestBinary(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "kubelogin-testenv")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "env")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "--dir", dir, "--token-lifetime", "10m")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	s := waitForState(t, filepath.Join(dir, "state.json"), exited)
	if info, err := os.Stat(filepath.Join(dir, "state.json")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode: %v %v", info.Mode(), err)
	}
	caPEM, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	client, err := testca.HTTPClientFromPEM(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	tokenURL := s.AuthorityHost + s.TenantID + "/oauth2/v2.0/token"
	scope := s.ServerID + "/.default"
	wiToken, err := os.ReadFile(s.WorkloadIdentity.FederatedTokenFile)
	if err != nil {
		t.Fatal(err)
	}
	expiredWI, err := os.ReadFile(s.WorkloadIdentity.ExpiredFederatedTokenFile)
	if err != nil {
		t.Fatal(err)
	}
	assertion := func(clientID, token string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "scope": {scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {token}}
	}
	tests := []struct {
		name    string
		form    url.Values
		wantErr string
	}{
		{"user password", url.Values{"grant_type": {"password"}, "client_id": {s.ClientID}, "username": {s.User.UPN}, "password": {s.User.Password}, "scope": {scope}}, ""},
		{"service principal", url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ServicePrincipal.ClientID}, "client_secret": {s.ServicePrincipal.ClientSecret}, "scope": {scope}}, ""},
		{"workload identity", assertion(s.WorkloadIdentity.ClientID, string(wiToken)), ""},
		{"expired federated token", assertion(s.WorkloadIdentity.ClientID, string(expiredWI)), "AADSTS700024"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := post(t, client, tokenURL, tc.form)
			if tc.wantErr != "" {
				if desc, _ := body["error_description"].(string); !strings.HasPrefix(desc, tc.wantErr) {
					t.Fatalf("error_description = %q, want %s", desc, tc.wantErr)
				}
				return
			}
			at, _ := body["access_token"].(string)
			if at == "" {
				t.Fatalf("no token: %v", body["error_description"])
			}
			if status := getNodes(t, client, s.KubeAPIServer, at); status != http.StatusOK {
				t.Errorf("API server answered %d", status)
			}
		})
	}

	t.Run("certificate principal", func(t *testing.T) {
		pemData, err := os.ReadFile(s.CertificatePrincipal.PEMFile)
		if err != nil {
			t.Fatal(err)
		}
		certs, key, err := confidential.CertFromPEM(pemData, "")
		if err != nil {
			t.Fatal(err)
		}
		pfx, err := os.ReadFile(s.CertificatePrincipal.PFXFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := pkcs12.Decode(pfx, s.CertificatePrincipal.PFXPassword); err != nil {
			t.Errorf("PFX: %v", err)
		}
		cred, err := confidential.NewCredFromCert(certs, key)
		if err != nil {
			t.Fatal(err)
		}
		app, err := confidential.New(s.AuthorityHost+s.TenantID, s.CertificatePrincipal.ClientID, cred,
			confidential.WithHTTPClient(client), confidential.WithInstanceDiscovery(false))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.AcquireTokenByCredential(ctx, []string{scope}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("managed identity", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.ManagedIdentity.IdentityEndpoint+"?api-version=2019-08-01&resource="+s.ServerID, nil)
		req.Header.Set("X-IDENTITY-HEADER", s.ManagedIdentity.IdentityHeader)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("managed identity endpoint: %s", resp.Status)
		}
	})

	remote := &entraemu.Remote{URL: s.AuthorityHost, HTTPClient: client}
	if n, err := remote.Count(ctx, "password"); err != nil || n != 1 {
		t.Errorf("remote Count(password) = %d, %v", n, err)
	}
	kubeconfig, err := os.ReadFile(s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"command: kubelogin", "- devicecode", "- AzurePublicCloud", "server: " + s.KubeAPIServer} {
		if !strings.Contains(string(kubeconfig), want) {
			t.Errorf("kubeconfig lacks %q", want)
		}
	}
	// What az aks get-credentials writes, nothing test-only: kubelogin finds the emulator through the proxy.
	for _, unwanted := range []string{"--authority-host", "--disable-instance-discovery", "SSL_CERT_FILE"} {
		if strings.Contains(string(kubeconfig), unwanted) {
			t.Errorf("kubeconfig has %q", unwanted)
		}
	}
	t.Run("through the proxy", func(t *testing.T) {
		proxied, err := testca.HTTPClientFromPEM(caPEM)
		if err != nil {
			t.Fatal(err)
		}
		proxyURL, err := url.Parse(s.ProxyURL)
		if err != nil {
			t.Fatal(err)
		}
		proxied.Transport.(*http.Transport).Proxy = http.ProxyURL(proxyURL)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ServicePrincipal.ClientID}, "client_secret": {s.ServicePrincipal.ClientSecret}, "scope": {scope}}
		body := post(t, proxied, "https://login.microsoftonline.com/"+s.TenantID+"/oauth2/v2.0/token", form)
		at, _ := body["access_token"].(string)
		if at == "" {
			t.Fatalf("no token: %v", body["error_description"])
		}
		// The token names login.microsoftonline.com as its issuer, and the API server accepts it.
		if status := getNodes(t, client, s.KubeAPIServer, at); status != http.StatusOK {
			t.Errorf("API server answered %d", status)
		}
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kubelogin-testenv did not exit after SIGTERM")
	}
	output := stdout.String() + stderr.String()
	for _, secret := range []string{s.User.Password, s.ServicePrincipal.ClientSecret, s.CertificatePrincipal.PFXPassword, s.ManagedIdentity.IdentityHeader} {
		if strings.Contains(output, secret) {
			t.Error("kubelogin-testenv printed a secret")
		}
	}
}

func waitForState(t *testing.T, path string, exited <-chan error) State {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			var s State
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatalf("state.json: %v", err)
			}
			return s
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			t.Fatalf("kubelogin-testenv exited early: %v", err)
		case <-deadline:
			t.Fatal("state.json did not appear")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func post(t *testing.T, c *http.Client, u string, form url.Values) map[string]any {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

func getNodes(t *testing.T, c *http.Client, server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, server+"/api/v1/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
