package entraemu

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
)

// oauthError is an Entra ID error: an OAuth error code plus an AADSTS number and message.
type oauthError struct {
	status   int
	err      string
	code     int
	message  string
	subError string
	claims   string
}

func (o *oauthError) Error() string { return fmt.Sprintf("%s: AADSTS%d: %s", o.err, o.code, o.message) }

func newError(status int, err string, code int, format string, args ...any) *oauthError {
	return &oauthError{status: status, err: err, code: code, message: fmt.Sprintf(format, args...)}
}

// Errors the emulator returns, with the AADSTS numbers and wording Entra ID uses.
func errUnknownTenant(tenant string) *oauthError {
	return newError(400, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)
}

func errUnknownClient(clientID, tenant string) *oauthError {
	return newError(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenant)
}

func errBadSecret(clientID string) *oauthError {
	return newError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)
}

func errMissingCredential() *oauthError {
	return newError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

func errPublicWithCredential() *oauthError {
	return newError(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
}

func errMissingParam(name string) *oauthError {
	return newError(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.", name)
}

func errInvalidParam(name string) *oauthError {
	return newError(400, "invalid_request", 90100, "The '%s' parameter is empty or not valid.", name)
}

func errUnsupportedGrant(grant string) *oauthError {
	return newError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", grant)
}

func errUnknownResource(resource, tenant string) *oauthError {
	return newError(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", resource, tenant)
}

func errMultipleResources() *oauthError {
	return newError(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource.")
}

func errAppScope(scope string) *oauthError {
	return newError(400, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
}

func errRefreshExpired() *oauthError {
	return newError(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for the configured lifetime.")
}

func errRefreshRevoked() *oauthError {
	return newError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
}

func errBadGrant(what string) *oauthError {
	return newError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the %s is not valid.", what)
}

func errPending() *oauthError {
	return newError(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
}

func errDeviceCodeExpired() *oauthError {
	return newError(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
}

func errDeclined() *oauthError {
	return newError(400, "authorization_declined", 70000, "The user declined to authorize the device.")
}

func errBadDeviceCode() *oauthError {
	return newError(400, "bad_verification_code", 70019, "The provided value for the input parameter 'device_code' is not valid or was already redeemed.")
}

func errMFARequired(resource string) *oauthError {
	e := newError(400, "invalid_grant", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '%s'.", resource)
	e.subError = "basic_action"
	e.claims = `{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000c0de"]}}}`
	return e
}

func errBadCredentials() *oauthError {
	return newError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
}

func errUnknownUser(tenant string) *oauthError {
	return newError(400, "invalid_grant", 50034, "The user account {EUII Hidden} does not exist in the %s directory. To sign into this application, the account must be added to the directory.", tenant)
}

func errAssertion(code int, format string, args ...any) *oauthError {
	return newError(401, "invalid_client", code, format, args...)
}

// writeError writes the error in Entra ID's JSON shape. The correlation ID echoes the client-request-id
// header MSAL sends, as Entra ID does.
func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, oe *oauthError) {
	recordError(r, oe)
	now := e.Now().UTC()
	ts := now.Format("2006-01-02 15:04:05Z")
	trace := newUUID()
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = newUUID()
	}
	body := map[string]any{
		"error":             oe.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", oe.code, oe.message, trace, corr, ts),
		"error_codes":       []int{oe.code},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         baseURL(r) + "error?code=" + strconv.Itoa(oe.code),
	}
	if oe.subError != "" {
		body["suberror"] = oe.subError
	}
	if oe.claims != "" {
		body["claims"] = oe.claims
	}
	writeJSON(w, oe.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing useful to do
}

// discardLogger silences net/http's TLS handshake noise (clients probing or closing early) in test output.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
