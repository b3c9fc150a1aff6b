package interactive

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

var aadstsRE = regexp.MustCompile(`AADSTS\d+`)

// signInError classifies a failed browser sign-in. opened says the host
// was asked to open the browser, so the user had their turn.
func signInError(ctx context.Context, err error, opened bool) *sdk.Error {
	var listen *net.OpError
	switch {
	case ctx.Err() != nil && opened && errors.Is(ctx.Err(), context.DeadlineExceeded):
		// Nobody can tell a closed browser tab from a slow user.
		return sdk.Errorf(sdk.CodeCancelled, "timed out waiting for the sign-in in the browser to finish; raise --timeout if it needs longer")
	case errors.As(err, &listen) && listen.Op == "listen":
		// Before entraerr, which would blame the network.
		return sdk.Errorf(sdk.CodeInvalidRequest, "cannot receive the browser's answer: %v; choose a free port in --redirect-url", listen)
	}
	e := entraerr.Classify(ctx, err)
	switch {
	case e.Code != sdk.CodeUnspecified || !opened:
		return e
	case aadstsRE.MatchString(e.Message):
		// MSAL turns the error Entra posted to the loopback listener into
		// plain text without the OAuth error name; the AADSTS number in it
		// still tells a declined sign-in (AADSTS65004) from other failures.
		body, _ := json.Marshal(entraerr.Response{Error: "authorization_failed", Description: e.Message}) // strings always marshal
		return entraerr.FromResponse(http.StatusBadRequest, body)
	}
	return sdk.Errorf(sdk.CodeUnspecified, "the sign-in in the browser failed: %s", e.Message)
}
