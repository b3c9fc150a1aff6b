package legacy

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	secret = "s3cr3t-value-never-logged"
	appID  = "4b1f6c2e-8d3a-4e7b-9c05-2a6f1d3e5b7c"
)

// tokenPath is the v1 token endpoint the legacy client calls.
var tokenPath = "/" + entraemu.DefaultTenantID + "/oauth2/token"

// newEmulator starts an emulator where app is registered as appID.
func newEmulator(t *testing.T, app entraemu.Client) *entraemu.Emulator {
	app.ID = appID
	return emutest.Start(t, entraemu.Options{}, func(em *entraemu.Emulator) { em.AddClient(app) })
}

func client(em *entraemu.Emulator) *Client {
	return &Client{HTTP: emutest.HTTPClient(em), Authority: em.URL() + entraemu.DefaultTenantID, ClientID: appID, Resource: entraemu.AKSServerID}
}

func TestClientCredentialsSecret(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	tok, err := client(em).ClientCredentials(context.Background(), Secret(secret))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token = %+v", tok)
	}
	r := em.Requests()[0]
	if r.Path != tokenPath || r.Resource != entraemu.AKSServerID || r.ClientID != appID || r.Credential != "secret" {
		t.Errorf("request = %s resource %q client %q credential %q", r.Path, r.Resource, r.ClientID, r.Credential)
	}
}

func TestClientCredentialsWrongSecret(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: "other"})
	_, err := client(em).ClientCredentials(context.Background(), Secret(secret))
	e, ok := err.(*sdk.Error)
	if !ok || e.Code != sdk.CodeInvalidClient || !slices.Contains(e.AADSTS, 7000215) {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(e.Message, secret) {
		t.Error("the secret leaked into the error")
	}
}

func TestClientCredentialsCertificate(t *testing.T) {
	cert, key, err := entraemu.NewClientCertificate("spn", false)
	if err != nil {
		t.Fatal(err)
	}
	em := newEmulator(t, entraemu.Client{Certificate: cert})
	if _, err := client(em).ClientCredentials(context.Background(), Certificate{Cert: cert, Key: key.(*rsa.PrivateKey)}); err != nil {
		t.Fatal(err)
	}
	hdr := em.Requests()[0].AssertionHeader
	thumb := sha1.Sum(cert.Raw)
	if hdr["alg"] != "RS256" || hdr["x5t"] != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		t.Errorf("assertion header = %v", hdr)
	}
}

func TestDeviceCodeRoundTrip(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Public: true})
	c := client(em)
	ctx := context.Background()
	dc, err := c.StartDeviceCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dc.UserCode == "" || dc.VerificationURL != em.URL()+"devicelogin" || !strings.Contains(dc.Message, dc.UserCode) {
		t.Errorf("device code = %+v", dc)
	}
	// The user signs in during the third wait: two polls find it pending.
	var waits []time.Duration
	c.wait = func(ctx context.Context, d time.Duration) error {
		if waits = append(waits, d); len(waits) == 3 {
			return em.ApproveDeviceCode(dc.UserCode)
		}
		return nil
	}
	tok, err := c.PollDeviceCode(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Account != entraemu.DefaultUserUPN {
		t.Errorf("token = %+v", tok)
	}
	if !slices.Equal(waits, []time.Duration{time.Second, time.Second, time.Second}) {
		t.Errorf("waits = %v, want the server's 1s interval three times", waits)
	}
	next, err := c.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh = %+v, %v", next, err)
	}
	em.RevokeRefreshTokens()
	if _, err := c.Refresh(ctx, next.RefreshToken); sdk.CodeOf(err) != sdk.CodeInvalidGrant {
		t.Fatalf("refresh with a revoked token: %v (%v)", err, sdk.CodeOf(err))
	}
	dcPath := "/" + entraemu.DefaultTenantID + "/oauth2/devicecode"
	want := []string{dcPath, tokenPath + " device_code", tokenPath + " device_code",
		tokenPath + " device_code", tokenPath + " refresh_token", tokenPath + " refresh_token"}
	if got := emutest.Calls(em); !slices.Equal(got, want) {
		t.Errorf("calls = %q\nwant %q", got, want)
	}
}

func TestPollSlowDownThenDecline(t *testing.T) {
	replies := []string{"slow_down", "authorization_declined"}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":%q,"error_description":"AADSTS70000: nope."}`, replies[0])
		replies = replies[1:]
	}))
	defer srv.Close()
	c := &Client{HTTP: srv.Client(), Authority: srv.URL + "/t", ClientID: "a", Resource: "r"}
	var waits []time.Duration
	c.wait = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	_, err := c.PollDeviceCode(context.Background(), &DeviceCode{deviceCode: "d", interval: time.Second, ExpiresAt: time.Now().Add(time.Minute)})
	if sdk.CodeOf(err) != sdk.CodeAccessDenied {
		t.Errorf("err = %v (%v), want access denied", err, sdk.CodeOf(err))
	}
	if !slices.Equal(waits, []time.Duration{time.Second, 6 * time.Second}) {
		t.Errorf("waits = %v, want 1s then 6s after slow_down", waits)
	}
}

func TestPollExpiredAndCancelled(t *testing.T) {
	c := client(newEmulator(t, entraemu.Client{Public: true}))
	c.wait = func(context.Context, time.Duration) error { return nil }
	_, err := c.PollDeviceCode(context.Background(), &DeviceCode{deviceCode: "d", interval: time.Second, ExpiresAt: time.Now().Add(-time.Second)})
	if sdk.CodeOf(err) != sdk.CodeExpired {
		t.Errorf("expired code: %v (%v)", err, sdk.CodeOf(err))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c.wait = nil
	_, err = c.PollDeviceCode(ctx, &DeviceCode{deviceCode: "d", interval: time.Hour, ExpiresAt: time.Now().Add(time.Hour)})
	if sdk.CodeOf(err) != sdk.CodeCancelled {
		t.Errorf("cancelled poll: %v (%v)", err, sdk.CodeOf(err))
	}
}

func TestParseTokenV1Strings(t *testing.T) {
	tok, err := parseToken([]byte(`{"token_type":"Bearer","expires_in":"3599","expires_on":"1900000000","access_token":"at"}`))
	if err != nil || !tok.ExpiresAt.Equal(time.Unix(1900000000, 0)) {
		t.Fatalf("parseToken = %+v, %v", tok, err)
	}
	tok, err = parseToken([]byte(`{"expires_in":60,"access_token":"at"}`))
	if err != nil || time.Until(tok.ExpiresAt) > time.Minute || tok.TokenType != "Bearer" {
		t.Fatalf("parseToken numeric = %+v, %v", tok, err)
	}
	if _, err := parseToken([]byte(`{"access_token":"at"}`)); err == nil {
		t.Error("a reply without expiry was accepted")
	}
}
