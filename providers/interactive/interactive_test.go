package interactive

import (
	"context"
	"errors"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// firstRun signs in through the browser and checks what the host was asked.
func firstRun(t *testing.T, em *entraemu.Emulator, req *sdk.Request, upn string) run {
	t.Helper()
	r := getToken(t, em, req, person(em, upn), 20*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.urls) != 1 {
		t.Fatalf("URLs opened = %d, want 1", len(r.urls))
	}
	u, err := url.Parse(r.urls[0])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	redirect, _ := url.Parse(q.Get("redirect_uri"))
	if !strings.HasPrefix(r.urls[0], em.URL()+entraemu.DefaultTenantID+"/oauth2/v2.0/authorize?") ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("response_mode") != "form_post" ||
		redirect == nil || redirect.Scheme != "http" || redirect.Hostname() != "localhost" {
		t.Errorf("sign-in URL = %s", r.urls[0])
	}
	if !slices.Equal(r.grants(), []string{"authorization_code"}) {
		t.Errorf("grants = %q, want one authorization_code", r.grants())
	}
	if r.tok.AccessToken == "" || len(r.tok.State) == 0 {
		t.Errorf("token = %v", r.tok)
	}
	return r
}

func TestSignInThenCachedToken(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	req := request(em)
	first := firstRun(t, em, req, "")
	if first.tok.Account != entraemu.DefaultUserUPN {
		t.Errorf("token = %v", first.tok)
	}

	// The access token in the state is good for an hour: no call at all.
	req.State = first.tok.State
	again := getToken(t, em, req, nil, 10*time.Second)
	if again.err != nil || len(again.urls) != 0 || len(again.forms) != 0 || again.tok.AccessToken != first.tok.AccessToken {
		t.Fatalf("second run: %v, %v, %d URLs, grants %q", again.tok, again.err, len(again.urls), again.grants())
	}
}

func TestRefreshFromState(t *testing.T) {
	// MSAL treats a token within five minutes of expiry as expired.
	em := newEmulator(t, entraemu.Options{AccessTokenLifetime: 4 * time.Minute})
	req := request(em)
	first := firstRun(t, em, req, "")

	req.State = first.tok.State
	next := getToken(t, em, req, nil, 10*time.Second)
	if next.err != nil || len(next.urls) != 0 {
		t.Fatalf("refresh: %v, %d URLs opened", next.err, len(next.urls))
	}
	if !slices.Equal(next.grants(), []string{"refresh_token"}) || next.forms[0].Get("refresh_token") == "" {
		t.Errorf("grants = %q, want one refresh_token", next.grants())
	}
	if next.tok.AccessToken == first.tok.AccessToken || len(next.tok.State) == 0 || next.tok.Account != entraemu.DefaultUserUPN {
		t.Errorf("refreshed token = %v", next.tok)
	}
}

func TestLoginHint(t *testing.T) {
	bob := "bob@" + entraemu.DefaultTenantDomain
	tests := []struct {
		name, hint string
		wantSignIn bool
	}{
		{"same account", bob, false},
		{"same account, other case", strings.ToUpper(bob), false},
		{"no hint takes the cached account", "", false},
		{"other account", "carol@" + entraemu.DefaultTenantDomain, true},
	}
	em := newEmulator(t, entraemu.Options{})
	em.AddUser(entraemu.User{UPN: bob})
	em.AddUser(entraemu.User{UPN: "carol@" + entraemu.DefaultTenantDomain})
	req := request(em)
	req.LoginHint = bob
	first := firstRun(t, em, req, "")
	if got, _ := url.Parse(first.urls[0]); got.Query().Get("login_hint") != bob || first.tok.Account != bob {
		t.Fatalf("login hint not used: URL %s, account %q", first.urls[0], first.tok.Account)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(em)
			req.LoginHint, req.State = tt.hint, first.tok.State
			r := getToken(t, em, req, person(em, ""), 20*time.Second)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if signedIn := len(r.urls) == 1; signedIn != tt.wantSignIn {
				t.Fatalf("opened %d URLs, want a sign-in: %v", len(r.urls), tt.wantSignIn)
			}
			want := bob
			if tt.wantSignIn {
				want = tt.hint
			}
			if r.tok.Account != want {
				t.Errorf("account = %q, want %q", r.tok.Account, want)
			}
		})
	}
}

func TestPoP(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	req := request(em)
	req.PoP = &sdk.PoPRequest{ReqCnf: reqCnf("thumbprint-1")}
	first := firstRun(t, em, req, "")
	requirePoP(t, first, "thumbprint-1")

	// Cached for the same key: no call at all.
	req.State = first.tok.State
	again := getToken(t, em, req, nil, 10*time.Second)
	if again.err != nil || len(again.urls) != 0 || len(again.forms) != 0 || again.tok.AccessToken != first.tok.AccessToken {
		t.Fatalf("second run: %v, %v, %d URLs, grants %q", again.tok, again.err, len(again.urls), again.grants())
	}

	// A new key: the refresh token gets a token bound to it, no browser.
	req.PoP = &sdk.PoPRequest{ReqCnf: reqCnf("thumbprint-2")}
	next := getToken(t, em, req, nil, 10*time.Second)
	if next.err != nil || len(next.urls) != 0 || !slices.Equal(next.grants(), []string{"refresh_token"}) {
		t.Fatalf("new key: %v, %d URLs, grants %q", next.err, len(next.urls), next.grants())
	}
	requirePoP(t, next, "thumbprint-2")
}

// requirePoP checks that every token request of r asked for a PoP token
// bound to kid and that the token returned is one.
func requirePoP(t *testing.T, r run, kid string) {
	t.Helper()
	for _, f := range r.forms {
		if f.Get("token_type") != "pop" || f.Get("req_cnf") != reqCnf(kid) {
			t.Errorf("%s request: token_type %q, req_cnf %q", f.Get("grant_type"), f.Get("token_type"), f.Get("req_cnf"))
		}
	}
	cnf, _ := claims(t, r.tok.AccessToken)["cnf"].(map[string]any)
	if cnf["kid"] != kid {
		t.Errorf("cnf %v; want a raw pop token bound to %s", cnf, kid)
	}
}

func TestDeclined(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	r := getToken(t, em, request(em), decline(em), 20*time.Second)
	var e *sdk.Error
	if !errors.As(r.err, &e) || e.Code != sdk.CodeAccessDenied || !slices.Equal(e.AADSTS, []int64{65004}) || !strings.HasPrefix(e.Message, "AADSTS65004: ") {
		t.Fatalf("err = %#v, want access denied with AADSTS65004", r.err)
	}
}

func TestStaleState(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AccessTokenLifetime: 4 * time.Minute})
	req := request(em)
	req.State = firstRun(t, em, req, "").tok.State
	em.RevokeRefreshTokens()
	r := getToken(t, em, req, nil, 10*time.Second)
	if sdk.CodeOf(r.err) != sdk.CodeInvalidGrant || len(r.urls) != 0 {
		t.Fatalf("err = %v (%v), %d URLs; want invalid grant and no sign-in: the host drops the state and asks again",
			r.err, sdk.CodeOf(r.err), len(r.urls))
	}
}

func TestUnreadableState(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AutoLogin: true})
	req := request(em)
	req.State = []byte("not an MSAL cache")
	firstRun(t, em, req, "")
}

// TestGivesUp: when the host cancels or the timeout passes before the
// browser answers, the loopback listener is closed and nothing is left
// running.
func TestGivesUp(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc)
		want string
	}{
		{"cancelled", func(cancel context.CancelFunc) { cancel() }, "request cancelled"},
		{"timed out", func(context.CancelFunc) {}, "timed out waiting for the sign-in in the browser"},
	}
	em := newEmulator(t, entraemu.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			opened := make(chan string, 1)
			listening := false
			u := &ui{ctx: ctx, browse: func(_ context.Context, link string) error {
				listening = strings.Contains(goroutines(), listenerFrame)
				opened <- link
				tt.stop(cancel)
				return nil
			}}
			_, err := provider{httpClient: em.CA().HTTPClient()}.GetToken(ctx, request(em), u)
			if sdk.CodeOf(err) != sdk.CodeCancelled || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (%v), want cancelled: %s", err, sdk.CodeOf(err), tt.want)
			}
			if !listening {
				t.Fatalf("no goroutine runs %s while the browser is open: the leak check below would prove nothing", listenerFrame)
			}
			link, _ := url.Parse(<-opened)
			redirect, _ := url.Parse(link.Query().Get("redirect_uri"))
			if c, err := net.DialTimeout("tcp", redirect.Host, time.Second); err == nil {
				c.Close()
				t.Fatalf("%s still accepts connections", redirect.Host)
			}
			requireNoListenerGoroutine(t)
		})
	}
}

// listenerFrame is in the stack of MSAL's loopback server goroutine.
const listenerFrame = "apps/internal/local.(*Server)"

func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func requireNoListenerGoroutine(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stacks := goroutines()
		if !strings.Contains(stacks, listenerFrame) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("MSAL's loopback server is still running:\n%s", stacks)
		}
	}
}

func TestRedirectURL(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AutoLogin: true})
	busy, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := freePort(t)

	req := request(em)
	req.RedirectURL = "http://localhost:" + free
	r := firstRun(t, em, req, "")
	if got, _ := url.Parse(r.urls[0]); got.Query().Get("redirect_uri") != req.RedirectURL {
		t.Errorf("redirect_uri = %q, want %q", got.Query().Get("redirect_uri"), req.RedirectURL)
	}

	_, port, _ := net.SplitHostPort(busy.Addr().String())
	req.RedirectURL = "http://localhost:" + port
	r = getToken(t, em, req, nil, 10*time.Second)
	if sdk.CodeOf(r.err) != sdk.CodeInvalidRequest || !strings.Contains(r.err.Error(), "--redirect-url") || len(r.urls) != 0 {
		t.Errorf("port in use: err = %v (%v), %d URLs", r.err, sdk.CodeOf(r.err), len(r.urls))
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func TestInvalidRequests(t *testing.T) {
	em := newEmulator(t, entraemu.Options{})
	tests := []struct {
		name string
		edit func(*sdk.Request)
		want string
	}{
		{"no client", func(r *sdk.Request) { r.ClientID = "" }, "--client-id"},
		{"no tenant", func(r *sdk.Request) { r.TenantID = "" }, "--tenant-id"},
		{"no scope", func(r *sdk.Request) { r.Scopes = nil }, "--server-id"},
		{"legacy", func(r *sdk.Request) { r.Legacy = true }, "--legacy"},
		{"pop without req_cnf", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{} }, "req_cnf"},
		{"https redirect", func(r *sdk.Request) { r.RedirectURL = "https://localhost:8400" }, "--redirect-url"},
		{"remote redirect", func(r *sdk.Request) { r.RedirectURL = "http://example.com:8400" }, "--redirect-url"},
		{"not an https authority", func(r *sdk.Request) { r.AuthorityHost = "http://login.example/" }, "--authority-host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(em)
			tt.edit(req)
			r := getToken(t, em, req, nil, time.Second)
			if sdk.CodeOf(r.err) != sdk.CodeInvalidRequest || !strings.Contains(r.err.Error(), tt.want) || len(r.urls) != 0 {
				t.Errorf("err = %v (%v), want invalid request mentioning %s", r.err, sdk.CodeOf(r.err), tt.want)
			}
		})
	}
	if n := em.Counts().Total; n != 0 {
		t.Errorf("%d requests reached Entra ID", n)
	}
}
