package acquire

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

var advice = map[sdk.ErrorCode]string{
	sdk.CodeInvalidClient:       "check the client secret or certificate (--client-secret, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, AZURE_CLIENT_SECRET, --client-certificate) and that it has not expired",
	sdk.CodeUnauthorizedClient:  "check --client-id and --tenant-id: the application is not known in that tenant",
	sdk.CodeInvalidGrant:        "sign in again: run `kubelogin remove-tokens` and retry",
	sdk.CodeInteractionRequired: "multi-factor authentication or conditional access blocks this login mode: use `-l interactive` (browser) or `-l azurecli` instead",
	sdk.CodeAccessDenied:        "the sign-in was declined: run the command again and approve it",
	sdk.CodeExpired:             "run the command again",
	sdk.CodeClockSkew:           "this machine's clock is off: synchronise it (e.g. with NTP) and retry",
	sdk.CodeUnavailable:         "check the network and any HTTPS_PROXY setting",
}

// Explain turns a classified provider error into one actionable line.
func Explain(err error) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := strings.TrimRight(oneLine(e.Message), ".")
	if a, ok := advice[e.Code]; ok && !strings.Contains(msg, a) {
		return &sdk.Error{Code: e.Code, AADSTS: e.AADSTS, Message: fmt.Sprintf("%s: %s", msg, a)}
	}
	return &sdk.Error{Code: e.Code, AADSTS: e.AADSTS, Message: msg}
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
