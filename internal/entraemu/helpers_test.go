package entraemu_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// Generating RSA keys is the slowest part of starting an emulator; the tests share one.
var (
	keyOnce   sync.Once
	sharedKey *rsa.PrivateKey
)

func signingKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		sharedKey = k
	})
	return sharedKey
}

const (
	spnClientID = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
	testSecret  = "s3cr3t-value-for-tests"
)

// newEmulator starts an emulator with the AKS server and client apps and a confidential client registered.
func newEmulator(t *testing.T, opts entraemu.Options) *entraemu.Emulator {
	t.Helper()
	opts.SigningKey = signingKey(t)
	em, err := entraemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Name: "Azure Kubernetes Service AAD Client", Public: true})
	em.AddClient(entraemu.Client{ID: spnClientID, Name: "ci-deployer", Secret: testSecret})
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := em.Close(); err != nil {
			t.Error(err)
		}
	})
	return em
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// claims decodes a JWT payload without verification (the kubeapi tests verify signatures for real).
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// postForm sends a form to the emulator and decodes the JSON reply.
func postForm(t *testing.T, em *entraemu.Emulator, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := em.CA().HTTPClient().PostForm(em.URL()+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	return resp.StatusCode, decode(t, resp.Body)
}

func getJSON(t *testing.T, em *entraemu.Emulator, path string) (int, map[string]any) {
	t.Helper()
	resp, err := em.CA().HTTPClient().Get(em.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	return resp.StatusCode, decode(t, resp.Body)
}

func decode(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.NewDecoder(r).Decode(&out); err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
	return out
}

// nextDeviceCode waits for the emulator to announce a device code.
func nextDeviceCode(t *testing.T, em *entraemu.Emulator) entraemu.DeviceCodeIssued {
	t.Helper()
	select {
	case dc := <-em.DeviceCodes():
		return dc
	case <-time.After(20 * time.Second):
		t.Fatal("no device code was issued")
		return entraemu.DeviceCodeIssued{}
	}
}
