package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// testBin holds sdk/providertest/internal/testprovider, built once for the launch tests.
var testBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubelogin-provider-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBin = filepath.Join(dir, "testprovider")
	code := 1
	if out, err := exec.Command("go", "build", "-o", testBin, "github.com/kubelogin-dev/kubelogin/sdk/providertest/internal/testprovider").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test provider: %v\n%s", err, out)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// install links the test provider as kubelogin-provider-<mode>, which selects its behaviour.
func install(t *testing.T, mode string) Candidate {
	t.Helper()
	p := filepath.Join(t.TempDir(), BinaryPrefix+mode+exeSuffix)
	if err := os.Link(testBin, p); err != nil {
		t.Fatal(err)
	}
	return Candidate{Mode: mode, Path: p}
}

// TestMessageLimit: a provider's oversize answer (the reported 300 MB token) is refused at the gRPC layer
// with an error that names the limit and how to raise it, and a raised limit lets it through.
func TestMessageLimit(t *testing.T) {
	c := install(t, "bigtoken")
	req := &sdk.Request{Scopes: []string{"server/.default"}}
	tests := []struct {
		name    string
		opts    Options
		env     string
		wantErr string
	}{
		{name: "default limit", wantErr: "larger than the 1048576-byte limit"},
		{name: "raised by option", opts: Options{MaxMessageSize: 4 << 20}},
		{name: "raised by environment", env: "3MiB"},
		{name: "lowered by environment", env: "1024", wantErr: "larger than the 1024-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if tt.env != "" {
				var err error
				if opts.MaxMessageSize, err = ParseMaxMessageSize(tt.env); err != nil {
					t.Fatal(err)
				}
			}
			p, err := Start(c, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			tok, err := p.GetToken(t.Context(), req, nopUI{})
			if tt.wantErr == "" {
				if err != nil || len(tok.State) != 2<<20 {
					t.Fatalf("GetToken = %v; want the 2 MiB answer", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), MaxMessageSizeEnv) {
				t.Fatalf("GetToken error = %v, want one containing %q and naming %s", err, tt.wantErr, MaxMessageSizeEnv)
			}
		})
	}
	for _, bad := range []string{"lots", "0", "-1KiB", "3GiB", "4096MiB"} {
		if _, err := ParseMaxMessageSize(bad); err == nil || !strings.Contains(err.Error(), "is not a size") || !strings.Contains(err.Error(), MaxMessageSizeEnv) {
			t.Errorf("ParseMaxMessageSize(%q) = %v, want an error naming %s", bad, err, MaxMessageSizeEnv)
		}
	}
}

// TestApprovedProviderRunsFromSealedCopy starts an approved provider through go-plugin: on Linux it runs
// from a sealed memfd (policy.Command), which go-plugin must be able to exec and talk to.
func TestApprovedProviderRunsFromSealedCopy(t *testing.T) {
	c := install(t, "fake")
	b, err := os.ReadFile(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	c.SHA256 = hex.EncodeToString(sum[:])
	p, err := Start(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	info, err := p.Describe(t.Context())
	if err != nil || info.Name != "testprovider-fake" {
		t.Fatalf("Describe = %+v, %v", info, err)
	}
}

type nopUI struct{}

func (nopUI) Message(string) error            { return nil }
func (nopUI) Progress(string) error           { return nil }
func (nopUI) DeviceCode(sdk.DeviceCode) error { return nil }
func (nopUI) OpenURL(string, string) error    { return nil }
