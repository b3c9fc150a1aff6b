package sdk

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a failure so the host can turn it into one
// actionable line and decide whether to drop stored state.
type ErrorCode int32

// The values equal proto ErrorCode numbers.
const (
	CodeUnspecified         ErrorCode = 0
	CodeInvalidRequest      ErrorCode = 1  // wrong or missing settings
	CodeInvalidClient       ErrorCode = 2  // secret, certificate or assertion rejected
	CodeUnauthorizedClient  ErrorCode = 3  // application unknown in the tenant
	CodeInvalidGrant        ErrorCode = 4  // refresh token or state no longer valid
	CodeInteractionRequired ErrorCode = 5  // MFA or conditional access needs another flow
	CodeAccessDenied        ErrorCode = 6  // the user declined
	CodeExpired             ErrorCode = 7  // a device code or federated token expired
	CodeCancelled           ErrorCode = 8  // cancelled or timed out
	CodeClockSkew           ErrorCode = 9  // the local clock is off
	CodeUnavailable         ErrorCode = 10 // identity provider unreachable
)

var codeNames = map[ErrorCode]string{
	CodeUnspecified:         "unspecified",
	CodeInvalidRequest:      "invalid_request",
	CodeInvalidClient:       "invalid_client",
	CodeUnauthorizedClient:  "unauthorized_client",
	CodeInvalidGrant:        "invalid_grant",
	CodeInteractionRequired: "interaction_required",
	CodeAccessDenied:        "access_denied",
	CodeExpired:             "expired",
	CodeCancelled:           "cancelled",
	CodeClockSkew:           "clock_skew",
	CodeUnavailable:         "unavailable",
}

func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("code(%d)", int32(c))
}

// Error is a classified provider failure. Message must not contain secrets.
type Error struct {
	Code    ErrorCode
	Message string
	// AADSTS lists Entra ID error numbers (AADSTSnnnnn) when known.
	AADSTS []int64
}

func (e *Error) Error() string { return e.Message }

// Errorf builds a classified error.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeUnspecified
}
