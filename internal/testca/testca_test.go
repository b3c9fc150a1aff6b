package testca_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

func TestServerCertificateNames(t *testing.T) {
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.ServerCertificate("login.microsoftonline.com")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"127.0.0.1", "::1", "localhost", "login.microsoftonline.com"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.Pool()}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: ca.Pool()}); err == nil {
		t.Error("certificate verified for a name it does not carry")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost"}); err == nil {
		t.Error("certificate verified against the system roots")
	}
}

func TestClients(t *testing.T) {
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, ca)
	fromPEM, err := testca.HTTPClientFromPEM(ca.PEM())
	if err != nil {
		t.Fatal(err)
	}
	other, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		client *http.Client
		ok     bool
	}{
		"CA client":         {ca.HTTPClient(), true},
		"client from PEM":   {fromPEM, true},
		"another CA client": {other.HTTPClient(), false},
	} {
		resp, err := tc.client.Get(srv)
		if err == nil {
			_ = resp.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want success %v", name, err, tc.ok)
		}
	}
	if _, err := testca.HTTPClientFromPEM([]byte("not PEM")); err == nil {
		t.Error("HTTPClientFromPEM accepted garbage")
	}
}

func serve(t *testing.T, ca *testca.CA) string {
	t.Helper()
	conf, err := ca.ServerTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = conf
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSSLCertFile checks that a subprocess trusts the CA through SSL_CERT_FILE alone, the way the built
// binaries are pointed at the emulator. It re-runs this test binary as the subprocess.
func TestSSLCertFile(t *testing.T) {
	if target := os.Getenv("TESTCA_TARGET"); target != "" {
		resp, err := http.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return
	}
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSSLCertFile$")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+file, "SSL_CERT_DIR=/nonexistent", "TESTCA_TARGET="+serve(t, ca))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("subprocess with SSL_CERT_FILE: %v\n%s", err, out)
	}
}

func TestSelfSignedRSA(t *testing.T) {
	cert, key, err := testca.SelfSignedRSA("app")
	if err != nil {
		t.Fatal(err)
	}
	pemData, err := testca.CertAndKeyPEM(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(pemData, pemData)
	if err != nil {
		t.Fatalf("PEM is not a usable cert+key pair: %v", err)
	}
	if !key.PublicKey.Equal(pair.Leaf.PublicKey) {
		t.Error("key does not match certificate")
	}
}
