package devicecode

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	resource = entraemu.AKSServerID
	tenant   = entraemu.DefaultTenantID
)

// user is how the test's user answers a device code.
type user int

const (
	approve     user = iota // signs in at once
	approveLate             // signs in after the first poll found the code pending
	decline                 // declines the sign-in
	away                    // never comes
)

// fake is the emulator and how its user answers device codes.
type fake struct {
	*entraemu.Emulator
	user user
}

func newFake(t *testing.T, u user, opts entraemu.Options) *fake {
	return &fake{Emulator: emutest.Start(t, opts, nil), user: u}
}

func request(f *fake) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "devicecode",
		TenantID:                 tenant,
		ClientID:                 entraemu.AKSClientID,
		Scopes:                   []string{resource + "/.default"},
		Resource:                 resource,
		AuthorityHost:            f.URL(),
		DisableInstanceDiscovery: true,
	}
}

// ui records what the provider asks the host to show, and has the user
// answer each device code.
type ui struct {
	f     *fake
	mu    sync.Mutex
	codes []sdk.DeviceCode
	// answered reports how the user's answer went.
	answered chan error
}

func (u *ui) DeviceCode(dc sdk.DeviceCode) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.codes = append(u.codes, dc)
	switch u.f.user {
	case approve:
		return u.f.ApproveDeviceCode(dc.UserCode)
	case decline:
		return u.f.DenyDeviceCode(dc.UserCode)
	case approveLate:
		go func() { u.answered <- u.f.approveAfterPending(dc.UserCode) }()
	}
	return nil
}
func (*ui) Message(string) error         { return nil }
func (*ui) OpenURL(string, string) error { return nil }
func (*ui) Progress(string) error        { return nil }

// approveAfterPending approves code once a poll has found it pending.
func (f *fake) approveAfterPending(code string) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range f.Requests() {
			if r.Error == "authorization_pending" {
				return f.ApproveDeviceCode(code)
			}
		}
	}
	return errors.New("no poll found the device code pending within 10s")
}

func getToken(t *testing.T, f *fake, req *sdk.Request, timeout time.Duration) (*sdk.Token, *ui, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u := &ui{f: f, answered: make(chan error, 1)}
	tok, err := provider{httpClient: emutest.HTTPClient(f.Emulator)}.GetToken(ctx, req, u)
	if f.user == approveLate && len(u.codes) > 0 {
		if aerr := <-u.answered; aerr != nil {
			t.Error(aerr)
		}
	}
	return tok, u, err
}

// firstRun signs in and checks what the user was shown.
func firstRun(t *testing.T, f *fake, req *sdk.Request) *sdk.Token {
	t.Helper()
	tok, u, err := getToken(t, f, req, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.codes) != 1 {
		t.Fatalf("device code events = %d, want 1", len(u.codes))
	}
	dc := u.codes[0]
	page := f.URL() + "devicelogin"
	if dc.UserCode == "" || dc.VerificationURI != page || time.Until(dc.ExpiresAt) < 10*time.Minute ||
		!strings.HasPrefix(dc.Message, "To sign in, use a web browser to open the page "+page+" and enter the code "+dc.UserCode) {
		t.Errorf("device code = %+v", dc)
	}
	if tok.AccessToken == "" || len(tok.State) == 0 || tok.Account != entraemu.DefaultUserUPN {
		t.Errorf("token = %v", tok)
	}
	return tok
}

func TestSignInThenCachedToken(t *testing.T) {
	f := newFake(t, approveLate, entraemu.Options{})
	req := request(f)
	tok := firstRun(t, f, req)
	if got := calls(f); !slices.Contains(got, "/"+tenant+"/oauth2/v2.0/devicecode") || got[len(got)-1] != "/"+tenant+"/oauth2/v2.0/token device_code" {
		t.Errorf("calls = %q", got)
	}

	// The access token in the state is still good for an hour: no call at all.
	before := len(f.Requests())
	req.State = tok.State
	again, u, err := getToken(t, f, req, 10*time.Second)
	if err != nil || len(u.codes) != 0 || again.AccessToken != tok.AccessToken {
		t.Fatalf("second run = %v, %v, %d device codes", again, err, len(u.codes))
	}
	for _, c := range calls(f)[before:] {
		if strings.Contains(c, "token") {
			t.Errorf("second run called %s", c)
		}
	}
}

func TestRefreshFromState(t *testing.T) {
	// MSAL treats a token within five minutes of expiry as expired.
	f := newFake(t, approve, entraemu.Options{AccessTokenLifetime: time.Minute})
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
	// The emulator answers a refresh_token grant only with a refresh token it issued.
	got := calls(f)
	last := f.Requests()[len(got)-1]
	if got[len(got)-1] != "/"+tenant+"/oauth2/v2.0/token refresh_token" || last.Status != 200 {
		t.Errorf("calls = %q, last status %d", got, last.Status)
	}
	if next.AccessToken == tok.AccessToken || len(next.State) == 0 || string(next.State) == string(tok.State) || next.Account != entraemu.DefaultUserUPN {
		t.Errorf("refreshed token = %v", next)
	}
}

func TestStaleState(t *testing.T) {
	f := newFake(t, approve, entraemu.Options{AccessTokenLifetime: time.Minute})
	req := request(f)
	req.State = firstRun(t, f, req).State
	// The refresh token outlives its inactivity lifetime (24h by default).
	f.AdvanceClock(25 * time.Hour)
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
	f := newFake(t, approve, entraemu.Options{})
	req := request(f)
	req.State = []byte("not an MSAL cache")
	firstRun(t, f, req)
}

func TestDeclined(t *testing.T) {
	f := newFake(t, decline, entraemu.Options{})
	_, _, err := getToken(t, f, request(f), 10*time.Second)
	if sdk.CodeOf(err) != sdk.CodeAccessDenied {
		t.Errorf("err = %v (%v), want access denied", err, sdk.CodeOf(err))
	}
}

func TestTimeout(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		f := newFake(t, away, entraemu.Options{})
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
	f := newFake(t, approve, entraemu.Options{})
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
	f := newFake(t, approveLate, entraemu.Options{})
	req := request(f)
	req.Legacy = true
	tok := firstRun(t, f, req)
	v1 := "/" + tenant + "/oauth2/"
	want := []string{v1 + "devicecode", v1 + "token device_code", v1 + "token device_code"}
	if got := calls(f); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	for _, r := range f.Requests() {
		if r.Resource != resource {
			t.Errorf("%s sent resource %q", r.Path, r.Resource)
		}
	}
	var st legacyState
	if err := json.Unmarshal(tok.State, &st); err != nil || st.RefreshToken == "" || st.Resource != resource {
		t.Fatalf("state = %s, %v", tok.State, err)
	}

	req.State = tok.State
	next, u, err := getToken(t, f, req, 10*time.Second)
	if err != nil || len(u.codes) != 0 || next.AccessToken == tok.AccessToken || next.Account != entraemu.DefaultUserUPN {
		t.Fatalf("refresh = %v, %v, %d device codes", next, err, len(u.codes))
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Path != v1+"token" || last.GrantType != "refresh_token" || last.Resource != resource {
		t.Errorf("refresh request = %s grant %q resource %q", last.Path, last.GrantType, last.Resource)
	}

	f.RevokeRefreshTokens()
	req.State = next.State
	if _, u, err := getToken(t, f, req, 10*time.Second); sdk.CodeOf(err) != sdk.CodeInvalidGrant || len(u.codes) != 0 {
		t.Errorf("revoked legacy state: %v (%v), %d device codes", err, sdk.CodeOf(err), len(u.codes))
	}
}

// calls lists "path grant_type" for every request the emulator logged.
func calls(f *fake) []string { return emutest.Calls(f.Emulator) }
