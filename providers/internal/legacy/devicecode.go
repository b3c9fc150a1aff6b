package legacy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// DeviceCode is a started v1 device code sign-in.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	ExpiresAt       time.Time
	Message         string

	deviceCode string
	interval   time.Duration
}

// defaultInterval is RFC 8628's default polling interval.
const defaultInterval = 5 * time.Second

// StartDeviceCode asks for a user code the user enters in a browser.
func (c *Client) StartDeviceCode(ctx context.Context) (*DeviceCode, error) {
	status, body, err := c.post(ctx, authority.V1DeviceCode(c.Authority), url.Values{"client_id": {c.ClientID}, "resource": {c.Resource}})
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, entraerr.FromResponse(status, body)
	}
	var r struct {
		UserCode        string `json:"user_code"`
		DeviceCode      string `json:"device_code"`
		VerificationURL string `json:"verification_url"` // v1 spelling
		VerificationURI string `json:"verification_uri"`
		ExpiresIn       number `json:"expires_in"`
		Interval        number `json:"interval"`
		Message         string `json:"message"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.DeviceCode == "" || r.UserCode == "" {
		return nil, sdk.Errorf(sdk.CodeUnspecified, "device code reply lacks device_code or user_code")
	}
	dc := &DeviceCode{
		UserCode:        r.UserCode,
		VerificationURL: r.VerificationURL,
		ExpiresAt:       time.Now().Add(time.Duration(r.ExpiresIn) * time.Second),
		Message:         r.Message,
		deviceCode:      r.DeviceCode,
		interval:        time.Duration(r.Interval) * time.Second,
	}
	if dc.VerificationURL == "" {
		dc.VerificationURL = r.VerificationURI
	}
	if dc.interval <= 0 {
		dc.interval = defaultInterval
	}
	return dc, nil
}

// PollDeviceCode waits until the user completes, declines or lets the code
// expire, polling as the server asks (interval, slow_down).
func (c *Client) PollDeviceCode(ctx context.Context, dc *DeviceCode) (*Token, error) {
	wait := c.wait
	if wait == nil {
		wait = sleep
	}
	interval := dc.interval
	for {
		if err := wait(ctx, interval); err != nil {
			return nil, entraerr.Classify(ctx, err)
		}
		if time.Now().After(dc.ExpiresAt) {
			return nil, sdk.Errorf(sdk.CodeExpired, "the device code expired before sign-in completed")
		}
		status, body, err := c.postToken(ctx, url.Values{"grant_type": {"device_code"}, "code": {dc.deviceCode}})
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			return parseToken(body)
		}
		r, _ := entraerr.Parse(body)
		switch r.Error {
		case "authorization_pending":
		case "slow_down":
			interval += 5 * time.Second // RFC 8628 section 3.5
		default:
			return nil, entraerr.FromResponse(status, body)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
