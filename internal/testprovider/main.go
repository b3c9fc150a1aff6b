// Command testprovider is a deliberately misbehaving (or trivially good)
// provider for the host's tests. Its behaviour is the login mode in its file
// name, kubelogin-provider-<mode>, so that no setting is needed. Mode
// dumpenv reports the names in its environment.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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

type provider struct{ mode string }

func (p provider) Describe() sdk.Info {
	return sdk.Info{Name: "testprovider-" + p.mode, Version: "0.0.1", LoginModes: []string{p.mode}}
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
		t := token(audience(req), time.Hour)
		t.State = make([]byte, 2<<20)
		return t, nil
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
	return token(audience(req), time.Hour), nil
}

// audience is what Entra ID would issue the token for: the resource of a
// legacy request ("spn:" in front), else the first scope's server.
func audience(req *sdk.Request) string {
	if req.Legacy {
		return "spn:" + strings.TrimSuffix(req.Resource, "/")
	}
	if len(req.Scopes) == 0 {
		return ""
	}
	return strings.TrimSuffix(strings.TrimSuffix(req.Scopes[0], "/.default"), "/")
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
