package msi

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var (
	binary string
	// fake is the managed identity endpoint of every test here. azidentity
	// reads IDENTITY_ENDPOINT from the process environment, so there is one.
	fake *appService
)

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-msi", "msi")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	fake = startAppService()
	code := 1
	if err := setEnv(appServiceEnv(fake)); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	fake.Close()
	cleanup()
	os.Exit(code)
}

// appServiceEnv is what App Service sets, and nothing that could send
// azidentity elsewhere (Service Fabric, Arc, Cloud Shell).
func appServiceEnv(f *appService) []string {
	return []string{
		"IDENTITY_ENDPOINT=" + f.endpoint(), "IDENTITY_HEADER=" + identityHeader,
		"IDENTITY_SERVER_THUMBPRINT=", "IMDS_ENDPOINT=", "MSI_ENDPOINT=", "MSI_SECRET=",
	}
}

func setEnv(env []string) error {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// TestConformance runs the built binary through the go-plugin client. The
// fake hangs for the request the kit uses to check timeouts, since the kit's
// own black hole stands in for Entra ID, which msi never calls.
func TestConformance(t *testing.T) {
	hang := msiRequest(t.Name() + "/hang")
	fake.reply(hang.Resource, reply{hang: true})
	system := msiRequest(t.Name() + "/system")
	unknown := msiRequest(t.Name() + "/unknown")
	unknown.ClientID = "no-such-identity"
	fake.reply(unknown.Resource, reply{status: 400, body: `{"error":"invalid_request","error_description":"Identity not found"}`})
	legacy := msiRequest(t.Name() + "/legacy")
	legacy.Legacy = true

	providertest.Run(t, binary, providertest.Options{
		Request: hang,
		Env:     append(appServiceEnv(fake), "SSL_CERT_FILE="+fake.certFile(t)),
		Cases: []providertest.Case{
			{Name: "system-assigned", Request: system, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || !r.Token.ExpiresAt.Equal(tokenExpiry) || len(r.Events) != 0 {
					t.Errorf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
			}},
			{Name: "unknown identity", Request: unknown, Check: wantError(sdk.CodeInvalidRequest, "no-such-identity: invalid_request: Identity not found")},
			{Name: "legacy", Request: legacy, Check: wantError(sdk.CodeInvalidRequest, "--legacy is not supported by msi")},
		},
	})
}

// TestConformanceIMDS runs the binary where no managed identity endpoint
// is configured, so azidentity falls back to IMDS. HTTP_PROXY catches what
// would go to 169.254.169.254: tests never leave loopback.
func TestConformanceIMDS(t *testing.T) {
	noIMDS := newIMDSProxy(t)
	imds := newIMDSProxy(t, "c1")
	env := func(p *imdsProxy) []string {
		return []string{
			"IDENTITY_ENDPOINT=", "IDENTITY_HEADER=", "IDENTITY_SERVER_THUMBPRINT=", "IMDS_ENDPOINT=", "MSI_ENDPOINT=", "MSI_SECRET=",
			"HTTP_PROXY=" + p.url, "http_proxy=", "NO_PROXY=", "no_proxy=",
		}
	}
	req := msiRequest(t.Name())
	req.Timeout = time.Minute
	user := msiRequest(t.Name())
	user.ClientID = "c1"

	t.Run("no IMDS", func(t *testing.T) {
		providertest.Run(t, binary, providertest.Options{
			Env: env(noIMDS),
			Cases: []providertest.Case{{Name: "no endpoint", Request: req, Check: func(t *testing.T, p *providertest.Provider, r providertest.Result) {
				wantError(sdk.CodeUnavailable, noEndpoint().Message)(t, p, r)
				// Again, timed: the answer must not wait for the request's timeout.
				began := time.Now()
				wantError(sdk.CodeUnavailable, noEndpoint().Message)(t, p, p.GetToken(context.Background(), req))
				if took := time.Since(began); took > imdsProbeTimeout+time.Second {
					t.Errorf("took %v to notice there is no managed identity", took)
				}
			}}},
		})
	})
	t.Run("IMDS", func(t *testing.T) {
		providertest.Run(t, binary, providertest.Options{
			Env: env(imds),
			Cases: []providertest.Case{
				{Name: "user-assigned", Request: user, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
					if r.Err != nil || r.Token.AccessToken != "imds-token" || !r.Token.ExpiresAt.Equal(tokenExpiry) {
						t.Errorf("result = %v, %v", r.Token, r.Err)
					}
				}},
				// azidentity reports this one without the reply; its text comes from the transport.
				{Name: "no system-assigned identity", Request: req, Check: wantError(sdk.CodeInvalidRequest, "the system-assigned managed identity: invalid_request: Identity not found")},
			},
		})
	})
	for _, p := range []*imdsProxy{noIMDS, imds} {
		if len(p.seen()) == 0 {
			t.Error("the provider never tried IMDS")
		}
		for _, target := range p.seen() {
			if target != "169.254.169.254" {
				t.Errorf("the provider sent a request for %s, want only IMDS", target)
			}
		}
	}
}

func wantError(code sdk.ErrorCode, text string) func(*testing.T, *providertest.Provider, providertest.Result) {
	return func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
		t.Helper()
		if sdk.CodeOf(r.Err) != code || r.Err == nil || !strings.Contains(r.Err.Error(), text) {
			t.Errorf("err = %v (%v), want %v containing %q", r.Err, sdk.CodeOf(r.Err), code, text)
		}
	}
}
