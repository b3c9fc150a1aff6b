// Command testprovider is a provider that breaks one rule of the contract
// on purpose (or none), for the tests of the host (through e2e) and of
// providertest itself. Its behaviour is the login mode in its file name,
// kubelogin-provider-<mode>: the tests install one link per behaviour, and
// a name is the one thing a host cannot filter out of a provider's start.
//
// It lives under sdk/ so that the kit's tests need nothing outside sdk;
// the host's tests build it by import path, which internal does not stop.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// rawStderr is the process's stderr, before go-plugin redirects os.Stderr.
var rawStderr = os.Stderr

type provider struct{ mode string }

func (p provider) Describe() sdk.Info {
	v := "0.0.1"
	if p.mode == "badsemver" {
		v = "latest"
	}
	return sdk.Info{Name: "testprovider-" + p.mode, Version: v, LoginModes: []string{p.mode}}
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	markStarted()
	sdk.Logger().Debug("get token", "tenant", req.TenantID)
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
	if p.mode == "network" {
		if err := callAuthority(ctx, req.AuthorityHost); err != nil {
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

// callAuthority makes one request to the authority host, when there is one,
// so the kit can check that a provider waiting on the network honours
// cancellation. Only the "network" mode calls it: the host's tests never
// let a provider reach a real cloud.
func callAuthority(ctx context.Context, host string) error {
	if host == "" {
		return nil
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"token", nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeInvalidRequest, "authority host: %v", err)
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

// markStarted leaves a file in $TMPDIR so tests can tell the provider ran.
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
