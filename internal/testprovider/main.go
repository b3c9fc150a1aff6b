// Command testprovider is a deliberately misbehaving (or trivially good)
// provider for the host's tests. Its behaviour is the login mode in its file
// name, kubelogin-provider-<mode>, so that no setting is needed. Every mode
// declares the same spec: an Entra ID token for a required server id, client
// and tenant ids, the cloud and a login hint, legacy tokens, and no
// credential, so the host must send it none. Mode dumpenv reports the names
// in its environment; mode dumpcreds reports which request fields that carry
// credentials or settings are non-empty (never their values).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

type provider struct{ mode string }

func (p provider) Describe() sdk.Info {
	return sdk.Info{Name: "testprovider-" + p.mode, Version: "0.0.1", Modes: []sdk.ModeSpec{{
		LoginMode:   p.mode,
		Description: "a test provider that " + p.mode + "s",
		Settings: []sdk.SettingSpec{
			sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingClientID), sdk.Accept(sdk.SettingTenantID),
			sdk.Accept(sdk.SettingAuthorityHost), sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingLoginHint),
		},
		Token:        sdk.TokenEntraID,
		Capabilities: sdk.Capabilities{Legacy: true},
	}}}
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

func (p provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
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
		t := token(strings.TrimSuffix(req.ServerID, "/"), time.Hour)
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
	aud := strings.TrimSuffix(req.ServerID, "/")
	if req.Legacy {
		aud = "spn:" + aud
	}
	return token(aud, time.Hour), nil
}

// markStarted leaves a file in $TMPDIR so tests can tell the provider ran.
func markStarted() {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "testprovider-calls"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		fmt.Fprintln(f, os.Getpid())
		f.Close()
	}
}

func token(aud string, life time.Duration) *sdk.Token {
	exp := time.Now().Add(life)
	claims, _ := json.Marshal(map[string]any{"aud": aud, "exp": exp.Unix(), "iss": "testprovider"})
	enc := base64.RawURLEncoding.EncodeToString
	return &sdk.Token{
		AccessToken: enc([]byte(`{"alg":"none"}`)) + "." + enc(claims) + ".sig",
		ExpiresAt:   exp,
		TokenType:   "Bearer",
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
			HandshakeConfig:  sdk.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{99: sdk.PluginSets(p)[sdk.ProtocolVersion]},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	case "slowstart":
		time.Sleep(time.Hour)
	}
	sdk.Serve(p)
}
