package acquire

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// fakeSource answers from a script and records what it was asked.
type fakeSource struct {
	mu      sync.Mutex
	states  [][]byte
	answers []func(req *sdk.Request) (*sdk.Token, error)
}

func (f *fakeSource) GetToken(_ context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = append(f.states, req.State)
	next := f.answers[0]
	if len(f.answers) > 1 {
		f.answers = f.answers[1:]
	}
	return next(req)
}

func jwtFor(aud string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"aud":"`+aud+`"}`)) + ".c2ln"
}

func give(aud string, life time.Duration, state string, now time.Time) func(*sdk.Request) (*sdk.Token, error) {
	return func(*sdk.Request) (*sdk.Token, error) {
		return &sdk.Token{AccessToken: jwtFor(aud), ExpiresAt: now.Add(life), State: []byte(state)}, nil
	}
}

func fail(code sdk.ErrorCode, msg string) func(*sdk.Request) (*sdk.Token, error) {
	return func(*sdk.Request) (*sdk.Token, error) { return nil, &sdk.Error{Code: code, Message: msg} }
}

type harness struct {
	p       *Pipeline
	src     *fakeSource
	now     time.Time
	warns   []string
	started int
}

func newHarness(t *testing.T, withCache bool, answers ...func(*sdk.Request) (*sdk.Token, error)) *harness {
	h := &harness{src: &fakeSource{answers: answers}, now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	var c *cache.Cache
	if withCache {
		c = cache.Open(t.TempDir(), func(msg string) { h.warns = append(h.warns, msg) })
	}
	h.p = &Pipeline{
		Cache: c,
		Source: func() (TokenSource, error) {
			h.started++
			return h.src, nil
		},
		Logger: hclog.NewNullLogger(),
		Warn:   func(msg string) { h.warns = append(h.warns, msg) },
		Now:    func() time.Time { return h.now },
		Margin: DefaultMargin,
	}
	return h
}

func request(aud string) Request {
	return Request{
		Provider: &sdk.Request{LoginMode: "devicecode"},
		Key:      cache.Key{LoginMode: "devicecode", TenantID: "t", ClientID: "c", ServerID: "srv"},
		Audience: aud,
	}
}

func TestAcquireCachesAndRefreshes(t *testing.T) {
	h := newHarness(t, true, give("srv", time.Hour, "state-1", time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	r, err := h.p.Acquire(ctx, request("srv"))
	if err != nil || r.FromCache {
		t.Fatalf("first call: %+v, %v", r, err)
	}
	if want := h.now.Add(time.Hour - DefaultMargin); !r.ServeUntil.Equal(want) {
		t.Errorf("ServeUntil = %s, want %s", r.ServeUntil, want)
	}
	r, err = h.p.Acquire(ctx, request("srv"))
	if err != nil || !r.FromCache || h.started != 1 {
		t.Fatalf("second call must be a cache hit without a provider: %+v, %v, started %d", r, err, h.started)
	}

	// Inside the margin: refresh with the stored state.
	h.now = h.now.Add(56 * time.Minute)
	h.src.answers = []func(*sdk.Request) (*sdk.Token, error){give("srv", time.Hour, "state-2", h.now)}
	r, err = h.p.Acquire(ctx, request("srv"))
	if err != nil || r.FromCache {
		t.Fatalf("refresh: %+v, %v", r, err)
	}
	if got := string(h.src.states[len(h.src.states)-1]); got != "state-1" {
		t.Errorf("provider got state %q, want the stored state-1", got)
	}
}

func TestAcquireDropsRejectedState(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, true,
		give("srv", time.Minute, "old", now), // short-lived so the next call refreshes
		fail(sdk.CodeInvalidGrant, "AADSTS700082: The refresh token has expired"),
		give("srv", time.Hour, "new", now),
	)
	ctx := context.Background()
	if _, err := h.p.Acquire(ctx, request("srv")); err != nil {
		t.Fatal(err)
	}
	h.now = now.Add(2 * time.Minute)
	if _, err := h.p.Acquire(ctx, request("srv")); err != nil {
		t.Fatalf("invalid_grant must fall back to a fresh login: %v", err)
	}
	states := h.src.states
	if len(states) != 3 || string(states[1]) != "old" || states[2] != nil {
		t.Fatalf("states sent = %q, want [nil old nil]", states)
	}
	if len(h.warns) != 1 || !strings.Contains(h.warns[0], "signing in again") {
		t.Errorf("warnings = %q", h.warns)
	}
}

func TestAcquireErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer func(*sdk.Request) (*sdk.Token, error)
		aud    string
		want   string
	}{
		{name: "wrong audience not cached", answer: give("other", time.Hour, "", time.Now()), aud: "srv", want: `audience is "other" but "srv" was expected`},
		{name: "classified error explained", answer: fail(sdk.CodeInteractionRequired, "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.\nTrace ID: x"), want: "use `-l interactive`"},
		{name: "empty token", answer: func(*sdk.Request) (*sdk.Token, error) { return &sdk.Token{}, nil }, want: "empty access token"},
		{name: "plain error kept", answer: func(*sdk.Request) (*sdk.Token, error) { return nil, errors.New("provider x crashed") }, want: "provider x crashed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, tt.answer)
			_, err := h.p.Acquire(context.Background(), request(tt.aud))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line containing %q", err, tt.want)
			}
			if entries, _ := h.p.Cache.List(); len(entries) != 0 {
				t.Errorf("a failed request must not be cached: %d entries", len(entries))
			}
		})
	}
}

func TestAcquireWithoutCache(t *testing.T) {
	h := newHarness(t, false, give("srv", time.Hour, "", time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)))
	for i := 0; i < 2; i++ {
		if _, err := h.p.Acquire(context.Background(), request("srv")); err != nil {
			t.Fatal(err)
		}
	}
	if h.started != 2 {
		t.Fatalf("without a cache every call asks the provider, started %d", h.started)
	}
}

// TestAcquireWaitsForLockHolder: a second caller waits for the first's
// lock, says whom it waits for once the wait is noticeable, and then uses
// the token the first one stored instead of fetching again.
func TestAcquireWaitsForLockHolder(t *testing.T) {
	old := WaitNoticeAfter
	WaitNoticeAfter = 10 * time.Millisecond
	defer func() { WaitNoticeAfter = old }()

	h := newHarness(t, true, give("srv", time.Hour, "s", time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)))
	var mu sync.Mutex
	h.p.Warn = func(msg string) { mu.Lock(); h.warns = append(h.warns, msg); mu.Unlock() }
	unlock, err := h.p.Cache.Lock(context.Background(), request("srv").Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan Result, 1)
	go func() {
		r, err := h.p.Acquire(context.Background(), request("srv"))
		if err != nil {
			t.Error(err)
		}
		res <- r
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(h.warns)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The holder stores its token while the other waits.
	tok, _ := give("srv", time.Hour, "s", h.now)(nil)
	if err := h.p.Cache.Put(request("srv").Key, h.p.entry(request("srv").Key, tok)); err != nil {
		t.Fatal(err)
	}
	unlock()
	r := <-res
	if !r.FromCache || h.started != 0 {
		t.Fatalf("the waiter fetched itself (started %d) instead of using the holder's token", h.started)
	}
	if len(h.warns) != 1 || !strings.Contains(h.warns[0], "Waiting for kubelogin process") {
		t.Fatalf("warnings = %q", h.warns)
	}
}

// The stored entry describes its key for `kubelogin status`, with the
// provider's account (who signed in) ahead of the key's login hint.
func TestAcquireStoresDescription(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, provider, hint, want string
	}{
		{name: "provider names the account", provider: "alice@contoso.com", hint: "al", want: "alice@contoso.com"},
		{name: "login hint only", hint: "al", want: "al"},
		{name: "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, func(*sdk.Request) (*sdk.Token, error) {
				return &sdk.Token{AccessToken: jwtFor("srv"), ExpiresAt: now.Add(time.Hour), Account: tt.provider}, nil
			})
			r := request("srv")
			r.Key.Account = tt.hint
			if _, err := h.p.Acquire(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			e, ok := h.p.Cache.Get(r.Key)
			if !ok {
				t.Fatal("nothing stored")
			}
			got := [5]string{e.LoginMode, e.TenantID, e.ClientID, e.ServerID, e.Account}
			want := [5]string{"devicecode", "t", "c", "srv", tt.want}
			if got != want {
				t.Errorf("stored %+v, want %+v", got, want)
			}
		})
	}
}
