// Package clicred gets tokens from the Azure command-line tools that some
// providers run (az, azd) through azidentity, and turns their failures into
// one line that says what to do. The tools keep their own sign-in, so these
// providers return no state.
package clicred

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// CLI describes one tool as the user knows it.
type CLI struct {
	Mode    string // the login mode that runs it, e.g. "azurecli"
	Name    string // "the Azure CLI"
	Binary  string // "az"
	Command string // what ran, e.g. "az account get-access-token"
	Login   string // how to sign in, e.g. "az login"
	// NotSignedIn are fragments of the tool's message for "nobody is signed in".
	NotSignedIn []string
	// Prefix is what azidentity puts before the tool's message.
	Prefix string
}

// Token checks that req asks for what the tool can give (one scope, no
// --legacy, no PoP), then gets it from the credential that newCred builds
// for req, the provider's own azidentity credential for the tool.
func (c CLI) Token(ctx context.Context, req *sdk.Request, newCred func(*sdk.Request) (azcore.TokenCredential, error)) (*sdk.Token, error) {
	switch {
	case req.Legacy:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--legacy is not supported by %s: remove it", c.Mode)
	case req.PoP != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--pop-enabled is not supported by %s: remove it", c.Mode)
	case len(req.Scopes) != 1:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	cred, err := newCred(req)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "%s settings: %v", c.Binary, err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, c.Classify(ctx, err)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn}, nil
}

// Classify reads err, as azidentity reports the tool's failure.
func (c CLI) Classify(ctx context.Context, err error) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	msg := err.Error()
	if strings.Contains(msg, "executable not found") {
		return sdk.Errorf(sdk.CodeInvalidRequest, "%s (%s) is not installed or not on PATH: install it, or use another login mode", c.Name, c.Binary)
	}
	for _, f := range c.NotSignedIn {
		if strings.Contains(msg, f) {
			return sdk.Errorf(sdk.CodeInvalidRequest, "%s is not signed in: run `%s` and retry", c.Name, c.Login)
		}
	}
	if e := entraerr.FromText(msg); e != nil {
		if e.Code == sdk.CodeInvalidGrant || e.Code == sdk.CodeInteractionRequired {
			// The sign-in to renew is the tool's own, not kubelogin's.
			return &sdk.Error{Code: sdk.CodeInvalidRequest, Message: e.Message + " Run `" + c.Login + "` again.", AADSTS: e.AADSTS}
		}
		return e
	}
	return sdk.Errorf(sdk.CodeUnspecified, "%s failed: %s", c.Command, c.firstLine(msg))
}

// firstLine drops azidentity's prefix and troubleshooting link, which name
// the SDK rather than what the user should do.
func (c CLI) firstLine(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), c.Prefix)
	if i := strings.Index(s, "To troubleshoot, visit"); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}
