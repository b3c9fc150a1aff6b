package ropc

import (
	"context"
	"slices"
	"strings"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// wrongCredentials are the AADSTS numbers for a wrong password (50126) or
// an unknown user (50034).
var wrongCredentials = []int64{50126, 50034}

// passwordError classifies a failed password grant. Entra ID reports
// refused user credentials as invalid_grant, which entraerr files under
// CodeInvalidGrant: the host would then drop the state, send the password a
// second time (a step towards account lockout) and advise remove-tokens.
// No state took part in this grant, so such a failure is a settings
// problem, reported as invalid request with Entra's own sentence.
func passwordError(ctx context.Context, err error) *sdk.Error {
	e := entraerr.Classify(ctx, err)
	if e.Code != sdk.CodeInvalidGrant {
		return e
	}
	msg := e.Message
	if slices.ContainsFunc(e.AADSTS, func(n int64) bool { return slices.Contains(wrongCredentials, n) }) {
		msg = strings.TrimRight(msg, ".") + ": check --username (AZURE_USERNAME) and --password (AZURE_PASSWORD)"
	}
	return &sdk.Error{Code: sdk.CodeInvalidRequest, Message: msg, AADSTS: e.AADSTS}
}
