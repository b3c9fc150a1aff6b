// Package clierr turns failures of the Azure command-line tools that some
// providers run (az, azd) into one line that says what to do.
package clierr

import (
	"context"
	"strings"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// CLI describes one tool as the user knows it.
type CLI struct {
	Name    string // "the Azure CLI"
	Binary  string // "az"
	Command string // what ran, e.g. "az account get-access-token"
	Login   string // how to sign in, e.g. "az login"
	// NotSignedIn are fragments of the tool's message for "nobody is signed in".
	NotSignedIn []string
	// Prefix is what azidentity puts before the tool's message.
	Prefix string
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
