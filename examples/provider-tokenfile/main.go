// Command kubelogin-provider-tokenfile is an example of a third-party
// provider, written against the kubelogin SDK alone as an outsider would.
// It serves the login mode "tokenfile": the token is a JWT that some other
// tool keeps fresh in a file, named with `--provider-arg file=PATH`.
//
// It is a module of its own that requires the SDK module alone; go.mod's
// replace builds it against ../../sdk while developing kubelogin itself.
//
//	cd examples/provider-tokenfile && go build -o kubelogin-provider-tokenfile .
//	kubelogin get-token -l tokenfile --server-id <id> --provider-arg file=/run/token
//
// To debug it, run it by hand under a debugger with KUBELOGIN_PROVIDER_DEBUG=1
// and export the KUBELOGIN_PROVIDER_REATTACH line it prints before running
// kubelogin.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log"
	"os"
	"strings"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(provider{}); err != nil {
		log.Fatal(err)
	}
}

type provider struct{}

// Describe declares the mode: its token is opaque to the host (no audience
// check; the host caches it until the expiry read from the JWT), it needs
// one provider arg, and a change to that file replaces the cached token.
func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "example-tokenfile", Version: "1.0.0", Modes: []sdk.ModeSpec{{
		LoginMode:   "tokenfile",
		Description: "a token that another tool keeps fresh in a file",
		Args: []sdk.ProviderArg{
			{Name: "file", Description: "path of the file holding the token", Required: true},
		},
		Token:             sdk.TokenOpaque,
		InvalidationFiles: []sdk.InvalidationFile{{Paths: []string{"${arg:file}"}}},
	}}}
}

func (provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	path := req.Extra["file"]
	if path == "" {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no token file: add --provider-arg file=PATH to the kubeconfig's args")
	}
	if req.Legacy || req.PoP != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "tokenfile serves plain bearer tokens: remove --legacy and --pop-enabled")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "reading the token file: %v", err)
	}
	token := strings.TrimSpace(string(raw))
	exp, err := expiry(token)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "%s does not hold a JWT: %v", path, err)
	}
	if !exp.After(time.Now()) {
		return nil, sdk.Errorf(sdk.CodeExpired, "the token in %s expired at %s: refresh the file", path, exp.UTC().Format(time.RFC3339))
	}
	sdk.Logger().Debug("token read", "file", path, "expires", exp)
	if err := ui.Progress("Read a token from " + path); err != nil {
		return nil, err
	}
	return &sdk.Token{AccessToken: token, ExpiresAt: exp}, nil
}

// expiry reads the exp claim; the API server, not the provider, verifies
// the signature.
func expiry(jwt string) (time.Time, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, errNotJWT
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, err
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, err
	}
	if claims.Exp == 0 {
		return time.Time{}, errNoExp
	}
	return time.Unix(claims.Exp, 0), nil
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errNotJWT constError = "not three dot-separated parts"
	errNoExp  constError = "no exp claim"
)
