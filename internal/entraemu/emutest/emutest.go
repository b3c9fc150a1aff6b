// Package emutest starts the Entra ID emulator for tests that run a
// provider in-process, with what those tests share: one signing key per
// test binary (RSA key generation is the slowest part of starting an
// emulator), the AKS applications registered, and a compact view of the
// request log.
package emutest

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

var signingKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// Start runs an emulator that knows the AKS server and client applications
// and whatever setup registers, and closes it when t ends.
func Start(t testing.TB, opts entraemu.Options, setup func(*entraemu.Emulator)) *entraemu.Emulator {
	t.Helper()
	key, err := signingKey()
	if err != nil {
		t.Fatal(err)
	}
	if opts.SigningKey == nil {
		opts.SigningKey = key
	}
	em, err := entraemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Name: "Azure Kubernetes Service AAD Client", Public: true})
	if setup != nil {
		setup(em)
	}
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close() })
	return em
}

// HTTPClient trusts the emulator's CA, for a provider under test.
func HTTPClient(em *entraemu.Emulator) *http.Client { return em.CA().HTTPClient() }

// Calls lists "path grant_type" for every logged request, oldest first: a
// compact record of the flow a test can compare whole.
func Calls(em *entraemu.Emulator) []string {
	var out []string
	for _, r := range em.Requests() {
		out = append(out, strings.TrimSpace(r.Path+" "+r.GrantType))
	}
	return out
}

// CertFile writes the emulator's CA as PEM, for SSL_CERT_FILE in a
// provider subprocess.
func CertFile(t testing.TB, em *entraemu.Emulator) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "entraemu-ca.pem")
	if err := em.CA().WriteFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}
