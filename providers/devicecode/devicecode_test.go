package devicecode

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/providers/internal/fakeentra"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const resource = "6dae42f8-4368-4678-94ff-3960e28e3630"

func request(f *fakeentra.Server) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "devicecode",
		TenantID:                 "tenant1",
		ClientID:                 "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
		Scopes:                   []string{resource + "/.default"},
		Resource:                 resource,
		AuthorityHost:            f.AuthorityHost,
		DisableInstanceDiscovery: true,
	}
}

// ui records what the provider asks the host to show.
type ui struct {
	mu    sync.Mutex
	codes []sdk.DeviceCode
}

func (u *ui) DeviceCode(dc sdk.DeviceCode) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.codes = append(u.codes, dc)
	return nil
}
func (*ui) Message(string) error         { return nil }
func (*ui) OpenURL(string, string) error { return nil }
func (*ui) Progress(string) error        { return nil }

func getToken(t *testing.T, f *fakeentra.Server, req *sdk.Request, timeout time.Duration) (*sdk.Token, *ui, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u := &ui{}
	tok, err := provider{httpClient: f.Client()}.GetToken(ctx, req, u)
	return tok, u, err
}

// firstRun signs in and checks what the user was shown.
func firstRun(t *testing.T, f *fakeentra.Server, req *sdk.Request) *sdk.Token {
	t.Helper()
	tok, u, err := getToken(t, f, req, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.codes) != 1 {
		t.Fatalf("device code events = %d, want 1", len(u.codes))
	}
	dc := u.codes[0]
	if dc.UserCode == "" || dc.VerificationURI != "https://microsoft.com/devicelogin" || time.Until(dc.ExpiresAt) < 10*time.Minute ||
		!strings.HasPrefix(dc.Message, "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code "+dc.UserCode) {
		t.Errorf("device code = %+v", dc)
	}
	if tok.AccessToken == "" || len(tok.State) == 0 || tok.Account != fakeentra.Username {
		t.Errorf("token = %v", tok)
	}
	return tok
}

func TestSignInThenCachedToken(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{PendingPolls: 2})
	req := request(f)
	tok := firstRun(t, f, req)
	if got := f.Calls(); !slices.Contains(got, "/tenant1/oauth2/v2.0/devicecode") || got[len(got)-1] != "/tenant1/oauth2/v2.0/token device_code" {
		t.Errorf("calls = %q", got)
	}

	// The access token in the state is still good for an hour: no call at all.
	before := len(f.Requests())
	req.State = tok.State
	again, u, err := getToken(t, f, req, 10*time.Second)
	if err != nil || len(u.codes) != 0 || again.AccessToken != tok.AccessToken {
		t.Fatalf("second run = %v, %v, %d device codes", again, err, len(u.codes))
	}
	for _, c := range f.Calls()[before:] {
		if strings.Contains(c, "token") {
			t.Errorf("second run called %s", c)
		}
	}
}

func TestRefreshFromState(t *testing.T) {
	// MSAL treats a token within five minutes of expiry as expired.
	f := fakeentra.New(t, fakeentra.Config{TokenLifetime: time.Minute})
	req := request(f)
	tok := firstRun(t, f, req)

	req.State = tok.State
	next, u, err := getToken(t, f, req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.codes) != 0 {
		t.Errorf("refresh showed %d device codes", len(u.codes))
	}
	calls := f.Calls()
	last := f.Requests()[len(calls)-1]
	if calls[len(calls)-1] != "/tenant1/oauth2/v2.0/token refresh_token" || last.Form.Get("refresh_token") == "" {
		t.Errorf("calls = %q", calls)
	}
	if next.AccessToken == tok.AccessToken || len(next.State) == 0 || string(next.State) == string(tok.State) || next.Account != fakeentra.Username {
		t.Errorf("refreshed token = %v", next)
	}
}

func TestStaleState(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{TokenLifetime: time.Minute})
	req := request(f)
	req.State = firstRun(t, f, req).State
	f.RevokeRefreshTokens()
	_, u, err := getToken(t, f, req, 10*time.Second)
	e, ok := err.(*sdk.Error)
	if !ok || e.Code != sdk.CodeInvalidGrant || !slices.Equal(e.AADSTS, []int64{700082}) || !strings.HasPrefix(e.Message, "AADSTS700082: ") {
		t.Fatalf("err = %#v, want invalid grant AADSTS700082", err)
	}
	if len(u.codes) != 0 {
		t.Error("stale state started a device code sign-in; the host decides that after dropping the state")
	}
}

func TestUnreadableState(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{})
	req := request(f)
	req.State = []byte("not an MSAL cache")
	firstRun(t, f, req)
}

func TestDeclined(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{DeclineDeviceCode: true})
	_, _, err := getToken(t, f, request(f), 10*time.Second)
	if sdk.CodeOf(err) != sdk.CodeAccessDenied {
		t.Errorf("err = %v (%v), want access denied", err, sdk.CodeOf(err))
	}
}

func TestTimeout(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		f := fakeentra.New(t, fakeentra.Config{PendingPolls: 1000})
		req := request(f)
		req.Legacy = legacy
		began := time.Now()
		_, u, err := getToken(t, f, req, 700*time.Millisecond)
		if sdk.CodeOf(err) != sdk.CodeCancelled || len(u.codes) != 1 || time.Since(began) > 3*time.Second {
			t.Errorf("legacy=%v: err = %v (%v) after %v, %d device codes", legacy, err, sdk.CodeOf(err), time.Since(began), len(u.codes))
		}
	}
}

func TestMissingSettings(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{})
	tests := []struct {
		edit func(*sdk.Request)
		want string
	}{
		{func(r *sdk.Request) { r.ClientID = "" }, "--client-id"},
		{func(r *sdk.Request) { r.TenantID = "" }, "--tenant-id"},
		{func(r *sdk.Request) { r.Scopes = nil }, "--server-id"},
		{func(r *sdk.Request) { r.Legacy, r.Resource = true, "" }, "--server-id"},
	}
	for _, tt := range tests {
		req := request(f)
		tt.edit(req)
		if _, _, err := getToken(t, f, req, time.Second); sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v (%v), want invalid request mentioning %s", err, sdk.CodeOf(err), tt.want)
		}
	}
}

func TestLegacyRoundTrip(t *testing.T) {
	f := fakeentra.New(t, fakeentra.Config{PendingPolls: 1})
	req := request(f)
	req.Legacy = true
	tok := firstRun(t, f, req)
	want := []string{"/tenant1/oauth2/devicecode", "/tenant1/oauth2/token device_code", "/tenant1/oauth2/token device_code"}
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	for _, r := range f.Requests() {
		if r.Form.Get("resource") != resource {
			t.Errorf("%s sent resource %q", r.Path, r.Form.Get("resource"))
		}
	}
	var st legacyState
	if err := json.Unmarshal(tok.State, &st); err != nil || st.RefreshToken == "" || st.Resource != resource {
		t.Fatalf("state = %s, %v", tok.State, err)
	}

	req.State = tok.State
	next, u, err := getToken(t, f, req, 10*time.Second)
	if err != nil || len(u.codes) != 0 || next.AccessToken == tok.AccessToken || next.Account != fakeentra.Username {
		t.Fatalf("refresh = %v, %v, %d device codes", next, err, len(u.codes))
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Path != "/tenant1/oauth2/token" || last.Form.Get("grant_type") != "refresh_token" || last.Form.Get("resource") != resource {
		t.Errorf("refresh request = %s grant %q resource %q", last.Path, last.Form.Get("grant_type"), last.Form.Get("resource"))
	}

	f.RevokeRefreshTokens()
	req.State = next.State
	if _, u, err := getToken(t, f, req, 10*time.Second); sdk.CodeOf(err) != sdk.CodeInvalidGrant || len(u.codes) != 0 {
		t.Errorf("revoked legacy state: %v (%v), %d device codes", err, sdk.CodeOf(err), len(u.codes))
	}
}
