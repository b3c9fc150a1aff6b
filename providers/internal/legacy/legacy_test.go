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

	"github.com/kubelogin-dev/kubelogin/providers/internal/fakeentra"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const secret = "s3cr3t-value-never-logged"

func client(f *fakeentra.Server) *Client {
	return &Client{HTTP: f.Client(), Authority: f.URL + "/tenant1", ClientID: "app1", Resource: "6dae42f8-4368-4678-94ff-3960e28e3630"}
}

func TestClientCredentialsSecret(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{ClientSecret: secret})
	tok, err := client(f).ClientCredentials(context.Background(), Secret(secret))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token = %+v", tok)
	}
	r := f.Requests()[0]
	if r.Path != "/tenant1/oauth2/token" || r.Form.Get("resource") != "6dae42f8-4368-4678-94ff-3960e28e3630" || r.Form.Get("client_id") != "app1" {
		t.Errorf("request = %s resource %q client %q", r.Path, r.Form.Get("resource"), r.Form.Get("client_id"))
	}
}

func TestClientCredentialsWrongSecret(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{ClientSecret: "other"})
	_, err := client(f).ClientCredentials(context.Background(), Secret(secret))
	e, ok := err.(*sdk.Error)
	if !ok || e.Code != sdk.CodeInvalidClient || !slices.Contains(e.AADSTS, 7000215) {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(e.Message, secret) {
		t.Error("the secret leaked into the error")
	}
}

func TestClientCredentialsCertificate(t *testing.T) {
	cert, key := fakeentra.NewCertificate(t, "spn", false)
	f := fakeentra.New(t, fakeentra.Config{ClientCert: cert})
	if _, err := client(f).ClientCredentials(context.Background(), Certificate{Cert: cert, Key: key.(*rsa.PrivateKey)}); err != nil {
		t.Fatal(err)
	}
	hdr := f.Requests()[0].AssertionHeader
	thumb := sha1.Sum(cert.Raw)
	if hdr["alg"] != "RS256" || hdr["x5t"] != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		t.Errorf("assertion header = %v", hdr)
	}
}

func TestDeviceCodeRoundTrip(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{PendingPolls: 2})
	c := client(f)
	var waits []time.Duration
	c.wait = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	ctx := context.Background()
	dc, err := c.StartDeviceCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dc.UserCode == "" || dc.VerificationURL != "https://microsoft.com/devicelogin" || !strings.Contains(dc.Message, dc.UserCode) {
		t.Errorf("device code = %+v", dc)
	}
	tok, err := c.PollDeviceCode(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Account != fakeentra.Username {
		t.Errorf("token = %+v", tok)
	}
	if !slices.Equal(waits, []time.Duration{time.Second, time.Second, time.Second}) {
		t.Errorf("waits = %v, want the server's 1s interval three times", waits)
	}
	next, err := c.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh = %+v, %v", next, err)
	}
	f.RevokeRefreshTokens()
	if _, err := c.Refresh(ctx, next.RefreshToken); sdk.CodeOf(err) != sdk.CodeInvalidGrant {
		t.Fatalf("refresh with a revoked token: %v (%v)", err, sdk.CodeOf(err))
	}
	want := []string{"/tenant1/oauth2/devicecode", "/tenant1/oauth2/token device_code", "/tenant1/oauth2/token device_code",
		"/tenant1/oauth2/token device_code", "/tenant1/oauth2/token refresh_token", "/tenant1/oauth2/token refresh_token"}
	if got := f.Calls(); !slices.Equal(got, want) {
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
	f := fakeentra.New(t, fakeentra.Config{PendingPolls: 100})
	c := client(f)
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
