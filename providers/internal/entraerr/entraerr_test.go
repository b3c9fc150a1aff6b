package entraerr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

func body(errStr string, code int64, desc string) []byte {
	return fmt.Appendf(nil, `{"error":%q,"error_description":%q,"error_codes":[%d],"trace_id":"t","correlation_id":"c"}`, errStr, desc, code)
}

const trailer = "\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-01-01 00:00:00Z"

func TestFromResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   []byte
		code   sdk.ErrorCode
		msg    string
		aadsts []int64
	}{
		{"bad secret", 401, body("invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value."+trailer),
			sdk.CodeInvalidClient, "AADSTS7000215: Invalid client secret provided.", []int64{7000215}},
		{"expired secret", 401, body("invalid_client", 7000222, "AADSTS7000222: The provided client secret keys for app 'x' are expired. Visit the Azure portal."+trailer),
			sdk.CodeInvalidClient, "AADSTS7000222: The provided client secret keys for app 'x' are expired.", []int64{7000222}},
		{"bad certificate", 401, body("invalid_client", 700027, "AADSTS700027: Client assertion failed signature validation."+trailer),
			sdk.CodeInvalidClient, "AADSTS700027: Client assertion failed signature validation.", []int64{700027}},
		{"unknown app", 400, body("unauthorized_client", 700016, "AADSTS700016: Application with identifier 'abc' was not found in the directory 'contoso.onmicrosoft.com'. This can happen if the application has not been installed."+trailer),
			sdk.CodeUnauthorizedClient, "AADSTS700016: Application with identifier 'abc' was not found in the directory 'contoso.onmicrosoft.com'.", []int64{700016}},
		{"unknown tenant", 400, body("invalid_request", 90002, "AADSTS90002: Tenant 'nope' not found. Check to make sure you have the correct tenant ID."+trailer),
			sdk.CodeInvalidRequest, "AADSTS90002: Tenant 'nope' not found.", []int64{90002}},
		{"refresh token inactive", 400, body("invalid_grant", 700082, "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2025-01-01."+trailer),
			sdk.CodeInvalidGrant, "AADSTS700082: The refresh token has expired due to inactivity.", []int64{700082}},
		{"refresh token expired", 400, body("invalid_grant", 70008, "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request."+trailer),
			sdk.CodeInvalidGrant, "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.", []int64{70008}},
		{"mfa via invalid_grant", 400, body("invalid_grant", 50076, "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'x'."+trailer),
			sdk.CodeInteractionRequired, "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'x'.", []int64{50076}},
		{"mfa registration", 400, body("interaction_required", 50079, "AADSTS50079: User is required to enroll for multi-factor authentication."+trailer),
			sdk.CodeInteractionRequired, "AADSTS50079: User is required to enroll for multi-factor authentication.", []int64{50079}},
		{"conditional access", 400, body("invalid_grant", 53003, "AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."+trailer),
			sdk.CodeInteractionRequired, "AADSTS53003: Access has been blocked by Conditional Access policies.", []int64{53003}},
		{"external challenge", 400, body("interaction_required", 50158, "AADSTS50158: External security challenge not satisfied. User will be redirected to another page."+trailer),
			sdk.CodeInteractionRequired, "AADSTS50158: External security challenge not satisfied.", []int64{50158}},
		{"declined", 400, body("authorization_declined", 70000, "AADSTS70000: The user declined."),
			sdk.CodeAccessDenied, "AADSTS70000: The user declined.", []int64{70000}},
		{"device code expired", 400, body("expired_token", 70020, "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."+trailer),
			sdk.CodeExpired, "AADSTS70020: The provided value for the input parameter 'device_code' is not valid.", []int64{70020}},
		{"federated assertion expired", 400, body("invalid_client", 700024, "AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-01-20T10:20:00.4563253Z, assertion valid from 2026-01-20T09:18:56.0000000Z, expiry time of assertion 2026-01-20T10:18:56.0000000Z."+trailer),
			sdk.CodeExpired, "AADSTS700024: Client assertion is not within its valid time range.", []int64{700024}},
		{"assertion from the future", 400, body("invalid_client", 700024, "AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-01-20T09:17:48.4563253Z, assertion valid from 2026-01-20T09:18:56.0000000Z, expiry time of assertion 2026-01-20T10:18:56.0000000Z."+trailer),
			sdk.CodeClockSkew, "AADSTS700024: Client assertion is not within its valid time range.", []int64{700024}},
		{"v1 reply without error_codes", 400, []byte(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}`),
			sdk.CodeInvalidClient, "AADSTS7000215: Invalid client secret provided.", []int64{7000215}},
		{"plain OAuth error", 400, []byte(`{"error":"access_denied","error_description":"The user said no"}`),
			sdk.CodeAccessDenied, "access_denied: The user said no", nil},
		{"service down", 503, []byte(`{"error":"temporarily_unavailable","error_description":"AADSTS90033: A transient error has occurred. Please try again."}`),
			sdk.CodeUnavailable, "AADSTS90033: A transient error has occurred.", []int64{90033}},
		{"html from a proxy", 502, []byte(`<html>Bad Gateway</html>`),
			sdk.CodeUnavailable, "Entra ID replied with HTTP 502 and no error description", nil},
		{"unknown error", 400, []byte(`{"error":"weird"}`), sdk.CodeUnspecified, "weird", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := FromResponse(tt.status, tt.body)
			if e.Code != tt.code {
				t.Errorf("code = %v, want %v", e.Code, tt.code)
			}
			if e.Message != tt.msg {
				t.Errorf("message = %q, want %q", e.Message, tt.msg)
			}
			if !slices.Equal(e.AADSTS, tt.aadsts) {
				t.Errorf("AADSTS = %v, want %v", e.AADSTS, tt.aadsts)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	msalErr := msalerrors.CallErr{
		Resp: &http.Response{StatusCode: 401},
		Err:  fmt.Errorf("http call(https://x/t/oauth2/v2.0/token)(POST) error: reply status code was 401:\n%s", body("invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided. More.")),
	}
	dial := &url.Error{Op: "Post", URL: "https://login.example/t/oauth2/token", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		code sdk.ErrorCode
		msg  string
	}{
		{"sdk error passes through", context.Background(), fmt.Errorf("wrapped: %w", sdk.Errorf(sdk.CodeExpired, "x")), sdk.CodeExpired, "x"},
		{"context done wins", done, msalErr, sdk.CodeCancelled, "request cancelled"},
		{"deadline", context.Background(), fmt.Errorf("poll: %w", context.DeadlineExceeded), sdk.CodeCancelled, "timed out waiting for Entra ID; raise --timeout if sign-in needs longer"},
		{"msal call error", context.Background(), fmt.Errorf("acquire: %w", msalErr), sdk.CodeInvalidClient, "AADSTS7000215: Invalid client secret provided."},
		{"network", context.Background(), fmt.Errorf("server response error:\n %w", dial), sdk.CodeUnavailable, "cannot reach https://login.example: dial tcp: connection refused"},
		{"other", context.Background(), errors.New("boom"), sdk.CodeUnspecified, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(tt.ctx, tt.err)
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("got %v %q, want %v %q", e.Code, e.Message, tt.code, tt.msg)
			}
		})
	}
	if Classify(context.Background(), nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestFromText(t *testing.T) {
	tests := []struct {
		text string
		code sdk.ErrorCode
		msg  string
	}{
		{"ERROR: AADSTS700082: The refresh token has expired due to inactivity. Trace ID: x\nmore", sdk.CodeInvalidGrant, "AADSTS700082: The refresh token has expired due to inactivity."},
		{"AzureCLICredential: ERROR: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. Trace", sdk.CodeInteractionRequired, "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication."},
	}
	for _, tt := range tests {
		e := FromText(tt.text)
		if e == nil || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("FromText(%q) = %+v", tt.text, e)
		}
	}
	if FromText("no code here") != nil {
		t.Error("text without AADSTS must not be classified")
	}
}
