package entraemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Remote drives an emulator running in another process (kubelogin-testenv) through its control API, for
// end-to-end tests that run the real binaries.
type Remote struct {
	// URL is the emulator's URL (the authority host).
	URL string
	// HTTPClient must trust the emulator's CA.
	HTTPClient *http.Client
}

// Requests returns the emulator's request log.
func (c *Remote) Requests(ctx context.Context) ([]Request, error) {
	var out []Request
	return out, c.call(ctx, http.MethodGet, "requests", nil, &out)
}

// Counts is Emulator.Counts over the wire.
func (c *Remote) Counts(ctx context.Context) (RequestCounts, error) {
	var out RequestCounts
	return out, c.call(ctx, http.MethodGet, "requests/counts", nil, &out)
}

// ResetRequests clears the request log.
func (c *Remote) ResetRequests(ctx context.Context) error {
	return c.call(ctx, http.MethodDelete, "requests", nil, nil)
}

// Count is Emulator.Count over the wire.
func (c *Remote) Count(ctx context.Context, grantType string) (int, error) {
	var out countResult
	err := c.call(ctx, http.MethodGet, "count?grant_type="+url.QueryEscape(grantType), nil, &out)
	return out.Count, err
}

// CountPath is Emulator.CountPath over the wire.
func (c *Remote) CountPath(ctx context.Context, suffix string) (int, error) {
	var out countResult
	err := c.call(ctx, http.MethodGet, "count?path_suffix="+url.QueryEscape(suffix), nil, &out)
	return out.Count, err
}

// PendingDeviceCodes lists device codes waiting for a user.
func (c *Remote) PendingDeviceCodes(ctx context.Context) ([]DeviceCodeIssued, error) {
	var out []DeviceCodeIssued
	return out, c.call(ctx, http.MethodGet, "device-codes", nil, &out)
}

// ApproveDeviceCode signs upn ("" for the default user) in for userCode.
func (c *Remote) ApproveDeviceCode(ctx context.Context, userCode, upn string) error {
	return c.call(ctx, http.MethodPost, "device-codes/approve", deviceCodeAction{UserCode: userCode, UPN: upn}, nil)
}

// DenyDeviceCode declines userCode.
func (c *Remote) DenyDeviceCode(ctx context.Context, userCode string) error {
	return c.call(ctx, http.MethodPost, "device-codes/deny", deviceCodeAction{UserCode: userCode}, nil)
}

// SetTokenLifetimes changes access and refresh token lifetimes; zero leaves one unchanged.
func (c *Remote) SetTokenLifetimes(ctx context.Context, access, refresh time.Duration) error {
	var body lifetimes
	if access > 0 {
		body.AccessToken = access.String()
	}
	if refresh > 0 {
		body.RefreshToken = refresh.String()
	}
	return c.call(ctx, http.MethodPost, "token-lifetime", body, nil)
}

// RevokeRefreshTokens revokes all refresh tokens and reports how many were live.
func (c *Remote) RevokeRefreshTokens(ctx context.Context) (int, error) {
	var out revokeResult
	err := c.call(ctx, http.MethodPost, "refresh-tokens/revoke", struct{}{}, &out)
	return out.Revoked, err
}

// AdvanceClock moves the emulator's clock forward.
func (c *Remote) AdvanceClock(ctx context.Context, d time.Duration) error {
	return c.call(ctx, http.MethodPost, "clock/advance", clockAdvance{By: d.String()}, nil)
}

// SetRequireMFA switches the simulated conditional access policy of a client.
func (c *Remote) SetRequireMFA(ctx context.Context, clientID string, require bool) error {
	return c.call(ctx, http.MethodPost, "clients/require-mfa", mfaPolicy{ClientID: clientID, Require: require}, nil)
}

func (c *Remote) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("emulator control %s: %w", path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+controlPrefix+path, body)
	if err != nil {
		return fmt.Errorf("emulator control %s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("emulator control %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("emulator control %s: read response: %w", path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("emulator control %s: %s: %s", path, resp.Status, e.Error)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("emulator control %s: decode response: %w", path, err)
	}
	return nil
}
