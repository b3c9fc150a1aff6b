// Package entraerr turns Entra ID and transport failures into classified
// sdk errors, so that every provider reports the same AADSTS number, the same
// first sentence and the same code for the same failure, and the host can act
// on the code (drop state on invalid_grant, explain conditional access, …).
package entraerr

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Response is the OAuth 2 error body of Entra ID's token and device code
// endpoints (v1 and v2 share it).
type Response struct {
	Error       string  `json:"error"`
	Description string  `json:"error_description"`
	Codes       []int64 `json:"error_codes"`
}

// Parse decodes an error body; ok is false when body is not one.
func Parse(body []byte) (r Response, ok bool) {
	if err := json.Unmarshal(body, &r); err != nil || r.Error == "" {
		return Response{}, false
	}
	return r, true
}

// byAADSTS classifies by Entra's own error number, which is more precise
// than the OAuth error string (invalid_grant covers both an expired refresh
// token and MFA being required, which need different actions).
var byAADSTS = map[int64]sdk.ErrorCode{
	7000215: sdk.CodeInvalidClient, // invalid client secret
	7000222: sdk.CodeInvalidClient, // client secret expired
	700027:  sdk.CodeInvalidClient, // certificate or assertion signature invalid
	7000216: sdk.CodeInvalidClient, // client_assertion or client_secret required
	7000218: sdk.CodeInvalidClient, // body must contain client_assertion or client_secret
	700025:  sdk.CodeInvalidClient, // public client must not present a secret
	700023:  sdk.CodeInvalidClient, // invalid audience in client assertion

	700016:  sdk.CodeUnauthorizedClient, // application not found in the tenant
	7000112: sdk.CodeUnauthorizedClient, // application disabled

	90002:  sdk.CodeInvalidRequest, // tenant not found
	900023: sdk.CodeInvalidRequest, // malformed tenant
	90014:  sdk.CodeInvalidRequest, // required field missing
	900144: sdk.CodeInvalidRequest, // required parameter missing
	70011:  sdk.CodeInvalidRequest, // invalid scope
	500011: sdk.CodeInvalidRequest, // resource principal not found
	50059:  sdk.CodeInvalidRequest, // no tenant in the request

	700082: sdk.CodeInvalidGrant, // refresh token expired from inactivity
	70008:  sdk.CodeInvalidGrant, // refresh token expired or revoked
	50173:  sdk.CodeInvalidGrant, // grant revoked (password change)
	54005:  sdk.CodeInvalidGrant, // code already redeemed

	50076: sdk.CodeInteractionRequired, // MFA required
	50079: sdk.CodeInteractionRequired, // MFA registration required
	50158: sdk.CodeInteractionRequired, // external security challenge
	53000: sdk.CodeInteractionRequired, // device not compliant
	53001: sdk.CodeInteractionRequired, // device not domain joined
	53003: sdk.CodeInteractionRequired, // blocked by conditional access
	65001: sdk.CodeInteractionRequired, // consent required

	65004: sdk.CodeAccessDenied, // user declined consent
	50105: sdk.CodeAccessDenied, // user not assigned to the application

	70020:  sdk.CodeExpired, // device code expired
	700024: sdk.CodeExpired, // assertion outside its validity window (see clockSkew)
	500133: sdk.CodeExpired, // assertion outside its validity window (see clockSkew)
}

// byError is the fallback when no AADSTS number is known, e.g. for other
// identity providers or device-code polling replies.
var byError = map[string]sdk.ErrorCode{
	"invalid_request":         sdk.CodeInvalidRequest,
	"invalid_scope":           sdk.CodeInvalidRequest,
	"invalid_resource":        sdk.CodeInvalidRequest,
	"unsupported_grant_type":  sdk.CodeInvalidRequest,
	"bad_verification_code":   sdk.CodeInvalidRequest,
	"invalid_client":          sdk.CodeInvalidClient,
	"unauthorized_client":     sdk.CodeUnauthorizedClient,
	"invalid_grant":           sdk.CodeInvalidGrant,
	"interaction_required":    sdk.CodeInteractionRequired,
	"access_denied":           sdk.CodeAccessDenied,
	"authorization_declined":  sdk.CodeAccessDenied,
	"expired_token":           sdk.CodeExpired,
	"code_expired":            sdk.CodeExpired,
	"temporarily_unavailable": sdk.CodeUnavailable,
	"server_error":            sdk.CodeUnavailable,
}

// FromResponse classifies an HTTP error reply of an Entra ID endpoint.
func FromResponse(status int, body []byte) *sdk.Error {
	r, ok := Parse(body)
	if !ok {
		code := sdk.CodeUnspecified
		if status >= 500 || status == 429 {
			code = sdk.CodeUnavailable
		}
		return &sdk.Error{Code: code, Message: fmt.Sprintf("Entra ID replied with HTTP %d and no error description", status)}
	}
	return r.classify(status)
}

func (r Response) classify(status int) *sdk.Error {
	codes := r.aadsts()
	e := &sdk.Error{Code: sdk.CodeUnspecified, Message: r.message(codes), AADSTS: codes}
	if c, ok := byError[r.Error]; ok {
		e.Code = c
	} else if status >= 500 || status == 429 {
		e.Code = sdk.CodeUnavailable
	}
	for _, n := range codes {
		if c, ok := byAADSTS[n]; ok {
			e.Code = c
			break
		}
	}
	if e.Code == sdk.CodeExpired && clockSkew(r.Description) {
		e.Code = sdk.CodeClockSkew
	}
	return e
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

// aadsts returns error_codes, or the number in the description when a
// reply (such as a v1 one) carries only that.
func (r Response) aadsts() []int64 {
	if len(r.Codes) > 0 {
		return r.Codes
	}
	if m := aadstsRE.FindStringSubmatch(r.Description); m != nil {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			return []int64{n}
		}
	}
	return nil
}

// message is "AADSTSn: <Entra's first sentence>": enough to search for,
// without the trace and correlation ids that follow on later lines.
func (r Response) message(codes []int64) string {
	s := firstSentence(r.Description)
	switch {
	case strings.HasPrefix(s, "AADSTS"):
		return s
	case len(codes) > 0 && s != "":
		return fmt.Sprintf("AADSTS%d: %s", codes[0], s)
	case len(codes) > 0:
		return fmt.Sprintf("AADSTS%d: %s", codes[0], r.Error)
	case s != "":
		return r.Error + ": " + s
	}
	return r.Error
}

func firstSentence(desc string) string {
	line, _, _ := strings.Cut(strings.ReplaceAll(desc, "\r\n", "\n"), "\n")
	line = strings.TrimSpace(line)
	// Skip the "AADSTSn: " prefix so its colon cannot end the sentence.
	start := 0
	if loc := aadstsRE.FindStringIndex(line); loc != nil && loc[0] == 0 {
		start = loc[1]
	}
	if i := strings.Index(line[start:], ". "); i >= 0 {
		return line[:start+i+1]
	}
	return line
}

var validityRE = regexp.MustCompile(`Current time: ([^,\s]+), assertion valid from ([^,\s]+)`)

// clockSkew tells an assertion that is not valid yet (our clock runs ahead of
// Entra's) from one that has expired: AADSTS700024 reports both times.
func clockSkew(desc string) bool {
	m := validityRE.FindStringSubmatch(desc)
	if m == nil {
		return false
	}
	now, err1 := time.Parse(time.RFC3339Nano, m[1])
	from, err2 := time.Parse(time.RFC3339Nano, strings.TrimSuffix(m[2], "."))
	return err1 == nil && err2 == nil && now.Before(from)
}

// Classify turns err into a classified error. ctx is the request's context:
// once it is done, every failure is reported as cancelled, whatever layer
// noticed it first.
func Classify(ctx context.Context, err error) *sdk.Error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return se
	}
	if ctx.Err() != nil {
		return Cancelled(ctx)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return timedOut()
	}
	if errors.Is(err, context.Canceled) {
		return sdk.Errorf(sdk.CodeCancelled, "request cancelled")
	}
	var ce msalerrors.CallErr
	if errors.As(err, &ce) && ce.Resp != nil {
		return FromResponse(ce.Resp.StatusCode, callErrBody(ce))
	}
	if u := unreachable(err); u != nil {
		return u
	}
	return &sdk.Error{Code: sdk.CodeUnspecified, Message: err.Error()}
}

// Cancelled reports why ctx ended, in words a user can act on.
func Cancelled(ctx context.Context) *sdk.Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timedOut()
	}
	return sdk.Errorf(sdk.CodeCancelled, "request cancelled")
}

func timedOut() *sdk.Error {
	return sdk.Errorf(sdk.CodeCancelled, "timed out waiting for Entra ID; raise --timeout if sign-in needs longer")
}

// callErrBody recovers the reply body from MSAL's error text: MSAL may have
// consumed Resp.Body already (device code polling reads it), but it always
// appends the body to its message.
func callErrBody(ce msalerrors.CallErr) []byte {
	msg := ce.Err.Error()
	if i := strings.IndexByte(msg, '{'); i >= 0 {
		return []byte(msg[i:])
	}
	return nil
}

// unreachable recognises network, proxy and TLS failures so the user is told
// to check connectivity (HTTPS_PROXY, SSL_CERT_FILE) rather than settings.
func unreachable(err error) *sdk.Error {
	var ue *url.Error
	var ne net.Error
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ue):
		return sdk.Errorf(sdk.CodeUnavailable, "cannot reach %s: %v", hostOf(ue.URL), ue.Err)
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return sdk.Errorf(sdk.CodeUnavailable, "cannot reach Entra ID: %v", err)
	case errors.As(err, &ne):
		return sdk.Errorf(sdk.CodeUnavailable, "cannot reach Entra ID: %v", ne)
	}
	return nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "Entra ID"
	}
	return u.Scheme + "://" + u.Host
}

// FromText classifies an Entra error that reached a provider only as text,
// such as the Azure CLI's output; nil when the text names no AADSTS code.
func FromText(text string) *sdk.Error {
	loc := aadstsRE.FindStringIndex(text)
	if loc == nil {
		return nil
	}
	return Response{Description: text[loc[0]:]}.classify(0)
}
