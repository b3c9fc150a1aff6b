// Command testprovider is a provider that breaks one rule of the contract
// on purpose (or none), for the tests of the host (through e2e) and of
// providertest itself. Its behaviour is the login mode in its file name,
// kubelogin-provider-<mode>: the tests install one link per behaviour, so
// that no setting is needed. The host's behaviours declare one spec: an
// Entra ID token for a required server id, client and tenant ids, the
// cloud and a login hint, legacy tokens, an optional secret provider arg
// api-key, and no credential, so the host must send them none. Behaviour dumpenv reports the names in its
// environment; dumpcreds reports which request fields that carry
// credentials or settings are non-empty (never their values).
//
// It lives under sdk/ so that the kit's tests need nothing outside sdk;
// the host's tests build it by import path, which internal does not stop.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kubelogin-dev/kubelogin/sdk"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// rawStderr is the process's stderr, before go-plugin redirects os.Stderr.
var rawStderr = os.Stderr

// kitModes are the kit's behaviours: a provider of login mode "test", whose
// spec requires a client, a tenant and a secret and returns opaque tokens,
// which "network" (calling the request's authority host) and "ownendpoint"
// (calling an endpoint of its own) implement well and each other behaviour
// breaks in one way. The host's behaviours (fake, crash, hang, ...) return
// JWTs for the server ID.
var kitModes = map[string]bool{
	"network": true, "ownendpoint": true, "tokenstdout": true, "rawstderr": true, "leaksecret": true, "ignorectx": true,
	"badsemver": true, "badspec": true, "acceptsincomplete": true, "noexpiry": true, "ignoresblackhole": true,
}

// blackholeEnv is the kit's documented setting for a provider with an
// endpoint of its own, spelled out as an outsider would.
const blackholeEnv = "KUBELOGIN_CONFORMANCE_BLACKHOLE"

type provider struct{ mode string }

func (p provider) Describe() sdk.Info {
	if !kitModes[p.mode] {
		return sdk.Info{Name: "testprovider-" + p.mode, Version: "0.0.1", Modes: []sdk.ModeSpec{{
			LoginMode:   p.mode,
			Description: "a test provider that " + p.mode + "s",
			Settings: []sdk.SettingSpec{
				sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingClientID), sdk.Accept(sdk.SettingTenantID),
				sdk.Accept(sdk.SettingAuthorityHost), sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingLoginHint),
			},
			Args: []sdk.ProviderArg{
				{Name: "api-key", Description: "a key the provider only reports the presence of", Secret: true},
			},
			Token:        sdk.TokenEntraID,
			Capabilities: sdk.Capabilities{Legacy: true},
		}}}
	}
	v := "1.2.3"
	if p.mode == "badsemver" {
		v = "latest"
	}
	spec := sdk.ModeSpec{
		LoginMode:          "test",
		Description:        "a provider for the kit's own tests",
		Settings:           []sdk.SettingSpec{sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID)},
		Credentials:        []sdk.CredentialKind{sdk.CredentialClientSecret},
		CredentialRequired: true,
		Token:              sdk.TokenOpaque,
	}
	if p.mode == "badspec" {
		spec.Token = sdk.TokenUnspecified
	}
	return sdk.Info{Name: "testprovider-" + p.mode, Version: v, Modes: []sdk.ModeSpec{spec}}
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	sdk.Logger().Debug("get token", "tenant", req.TenantID)
	if kitModes[p.mode] {
		return p.kitToken(ctx, req, ui)
	}
	markStarted()
	switch p.mode {
	case "crash":
		panic("testprovider crashed on purpose")
	case "hang":
		select {}
	case "badlog":
		fmt.Fprintln(os.Stderr, `{"@message":1,"@level":"info","@timestamp":2}`)
		fmt.Fprintln(os.Stderr, strings.Repeat("x", 100000))
	case "fail":
		return nil, &sdk.Error{Code: sdk.CodeInvalidClient, Message: "AADSTS7000215: Invalid client secret provided.", AADSTS: []int64{7000215}}
	case "wrongaud":
		return token("api://someone-else", time.Hour), nil
	case "bigtoken": // 2 MiB: over the host's default message limit
		t := token(strings.TrimSuffix(req.Resource, "/"), time.Hour)
		t.State = make([]byte, 2<<20)
		return t, nil
	case "dumpcreds":
		if err := ui.Message("received: " + received(req)); err != nil {
			return nil, err
		}
	case "dumpenv":
		// The names only: values may be secrets.
		var names []string
		for _, kv := range os.Environ() {
			name, _, _ := strings.Cut(kv, "=")
			names = append(names, name)
		}
		sort.Strings(names)
		if err := ui.Message("environment: " + strings.Join(names, " ")); err != nil {
			return nil, err
		}
	}
	if err := ui.Message("testprovider says hello"); err != nil {
		return nil, err
	}
	aud := strings.TrimSuffix(req.Resource, "/")
	if req.Legacy {
		aud = "spn:" + aud
	}
	return token(aud, time.Hour), nil
}

// received names the credential and setting fields of req that are set.
func received(req *sdk.Request) string {
	c := req.Credentials
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"client-secret", c.ClientSecret != ""},
		{"client-certificate", c.ClientCertificatePath != ""},
		{"client-certificate-password", c.ClientCertificatePassword != ""},
		{"username", c.Username != ""},
		{"password", c.Password != ""},
		{"federated-token-file", c.FederatedTokenFile != ""},
		{"identity-resource-id", c.IdentityResourceID != ""},
		{"oidc-request-token", c.OIDCRequestToken != ""},
		{"redirect-url", req.RedirectURL != ""},
		{"extra", len(req.Extra) > 0},
		{"client-id", req.ClientID != ""},
		{"tenant-id", req.TenantID != ""},
	} {
		if f.set {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, " ")
}

// kitToken is GetToken for the kit's modes.
func (p provider) kitToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	if err := p.validate(req); err != nil {
		return nil, err
	}
	switch p.mode {
	case "tokenstdout":
		fmt.Println("token: oops")
	case "rawstderr":
		fmt.Fprintln(rawStderr, "plain text on stderr")
	case "leaksecret":
		return nil, sdk.Errorf(sdk.CodeInvalidClient, "bad secret %s", req.Credentials.ClientSecret)
	case "ignorectx":
		time.Sleep(10 * time.Second)
		return nil, sdk.Errorf(sdk.CodeUnavailable, "gave up")
	}
	endpoint := req.AuthorityHost
	switch p.mode {
	case "ownendpoint":
		// Its own endpoint, never the authority host; under the kit, the
		// black hole stands in for it. Without the setting it would call
		// its real service, which these tests never reach: it calls none.
		endpoint = os.Getenv(blackholeEnv)
	case "ignoresblackhole":
		// A hard-coded endpoint that answers at once, whatever the kit says.
		endpoint = ""
	}
	if err := callEndpoint(ctx, endpoint); err != nil {
		return nil, err
	}
	if err := ui.Message("hello"); err != nil {
		return nil, err
	}
	tok := &sdk.Token{AccessToken: "at", ExpiresAt: time.Now().Add(time.Hour)}
	if p.mode == "noexpiry" {
		tok.ExpiresAt = time.Time{}
	}
	return tok, nil
}

// validate refuses what the spec requires, unless the mode is to accept it.
func (p provider) validate(req *sdk.Request) error {
	if p.mode == "acceptsincomplete" {
		return nil
	}
	switch {
	case req.ClientID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client ID: set --client-id")
	case req.TenantID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no tenant ID: set --tenant-id")
	case req.Credentials.ClientSecret == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client secret: set --client-secret")
	}
	return nil
}

// callEndpoint makes one request to base (the authority host or an
// endpoint of the provider's own), when there is one, so the kit can check
// that a provider waiting on the network honours cancellation. Only the
// kit's modes call it: the host's tests never let a provider reach a real
// cloud.
func callEndpoint(ctx context.Context, base string) error {
	if base == "" {
		return nil
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"token", nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeInvalidRequest, "endpoint %q: %v", base, err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		if ctx.Err() != nil {
			return sdk.Errorf(sdk.CodeCancelled, "cancelled")
		}
		return sdk.Errorf(sdk.CodeUnavailable, "%v", err)
	}
	resp.Body.Close()
	return nil
}

// markStarted leaves a file in $TMPDIR so the host's tests can tell the
// provider ran.
func markStarted() {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "testprovider-calls"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		fmt.Fprintln(f, os.Getpid())
		f.Close()
	}
}

// token is an unsigned JWT for aud, enough for the host's audience check.
func token(aud string, life time.Duration) *sdk.Token {
	exp := time.Now().Add(life)
	claims, _ := json.Marshal(map[string]any{"aud": aud, "exp": exp.Unix(), "iss": "testprovider"})
	enc := base64.RawURLEncoding.EncodeToString
	return &sdk.Token{
		AccessToken: enc([]byte(`{"alg":"none"}`)) + "." + enc(claims) + ".sig",
		ExpiresAt:   exp,
	}
}

func main() {
	mode := strings.TrimPrefix(filepath.Base(os.Args[0]), "kubelogin-provider-")
	p := provider{mode: mode}
	switch mode {
	case "stdout":
		fmt.Println("hello from a provider that prints")
	case "crashstart":
		fmt.Fprintln(os.Stderr, "testprovider cannot start: missing configuration")
		os.Exit(3)
	case "badversion":
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: plugin.HandshakeConfig{
				ProtocolVersion:  protocol.Version,
				MagicCookieKey:   protocol.MagicCookieKey,
				MagicCookieValue: protocol.MagicCookieValue,
			},
			VersionedPlugins: map[int]plugin.PluginSet{99: {protocol.PluginName: servePlugin{srv: sdk.NewProviderServer(p)}}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	case "slowstart":
		time.Sleep(time.Hour)
	}
	if err := sdk.Serve(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// servePlugin serves a provider under a protocol version of our choosing.
type servePlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv pb.ProviderServer
}

func (s servePlugin) GRPCServer(_ *plugin.GRPCBroker, g *grpc.Server) error {
	pb.RegisterProviderServer(g, s.srv)
	return nil
}

func (servePlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("testprovider only serves")
}
