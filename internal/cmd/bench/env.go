package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// The service principal the children sign in as; any registered id works.
const (
	spnClientID = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
	spnSecret   = "bench-spn-secret-value"
)

// env is one private cloud for the bench: the emulator in this process and
// a scratch directory for the children's homes and caches.
type env struct {
	bin    string // directory holding kubelogin and its providers
	em     *entraemu.Emulator
	dir    string
	caFile string
	home   string
	n      int // fresh cache directories handed out so far
}

// newEnv starts the emulator on loopback with the AKS server app and a
// service principal registered, and writes its CA where children find it.
func newEnv(bin string) (*env, error) {
	for _, name := range []string{"kubelogin", "kubelogin-provider-spn"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return nil, fmt.Errorf("binary missing (run make build): %w", err)
		}
	}
	em, err := entraemu.New(entraemu.Options{})
	if err != nil {
		return nil, fmt.Errorf("creating emulator: %w", err)
	}
	// The emulator only grants scopes of registered apps, so the server id is a client too.
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: spnClientID, Name: "bench-spn", Secret: spnSecret})
	if err := em.Start(); err != nil {
		return nil, fmt.Errorf("starting emulator: %w", err)
	}
	e := &env{bin: bin, em: em}
	if e.dir, err = os.MkdirTemp("", "kubelogin-bench-"); err != nil {
		em.Close()
		return nil, fmt.Errorf("creating scratch dir: %w", err)
	}
	e.caFile = filepath.Join(e.dir, "ca.pem")
	e.home = filepath.Join(e.dir, "home")
	if err := em.CA().WriteFile(e.caFile); err != nil {
		e.close()
		return nil, fmt.Errorf("writing emulator CA: %w", err)
	}
	if err := os.Mkdir(e.home, 0o700); err != nil {
		e.close()
		return nil, fmt.Errorf("creating home: %w", err)
	}
	return e, nil
}

func (e *env) close() {
	e.em.Close()
	os.RemoveAll(e.dir)
}

// freshCacheDir names a cache directory no child has used yet; kubelogin
// creates it, as it would on a new machine.
func (e *env) freshCacheDir() string {
	e.n++
	return filepath.Join(e.dir, fmt.Sprintf("cache-%03d", e.n))
}

// getToken is the command line a kubeconfig converted with -l spn makes
// kubectl run, pointed at the emulator instead of login.microsoftonline.com.
func (e *env) getToken(cacheDir string, extraEnv ...string) spec {
	return spec{
		path: filepath.Join(e.bin, "kubelogin"),
		args: []string{"get-token", "--login", "spn", "--server-id", entraemu.AKSServerID,
			"--tenant-id", entraemu.DefaultTenantID, "--authority-host", e.em.URL(), "--disable-instance-discovery"},
		env: append(e.childEnv(cacheDir), extraEnv...),
	}
}

// childEnv is a clean environment, not this process's: an AZURE_* variable
// in the developer's shell would otherwise change what is measured.
func (e *env) childEnv(cacheDir string) []string {
	env := []string{
		"PATH=" + e.bin + string(os.PathListSeparator) + "/usr/local/bin:/usr/bin:/bin",
		"HOME=" + e.home,
		"KUBECACHEDIR=" + cacheDir,
		"SSL_CERT_FILE=" + e.caFile,
		"AAD_SERVICE_PRINCIPAL_CLIENT_ID=" + spnClientID,
		"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET=" + spnSecret,
		// What kubectl sets for a v1beta1 exec block without a terminal.
		`KUBERNETES_EXEC_INFO={"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}`,
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}
