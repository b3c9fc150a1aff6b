// Package acquire is get-token's pipeline: serve from the cache when it can,
// otherwise fetch exactly once across all concurrent kubelogin processes,
// check the token, and store it with the provider's state.
package acquire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/tokencheck"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// DefaultMargin is how long before expiry a cached token stops being served.
const DefaultMargin = 5 * time.Minute

// WaitNoticeAfter is how long a process waits for another's lock before
// telling the user why it is waiting.
var WaitNoticeAfter = time.Second

// TokenSource fetches a token from a provider; the host starts one lazily,
// only on a cache miss.
type TokenSource interface {
	GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error)
}

// Request is one get-token call.
type Request struct {
	Provider *sdk.Request
	Key      cache.Key
	// Audience the token must carry; empty skips the check.
	Audience string
}

// Pipeline holds what every call shares.
type Pipeline struct {
	// Cache may be nil (--no-cache) or disabled (unwritable directory).
	Cache  *cache.Cache
	Source func() (TokenSource, error)
	UI     sdk.UI
	Logger hclog.Logger
	// Warn shows one line to the user.
	Warn   func(msg string)
	Now    func() time.Time
	Margin time.Duration
}

// Result is what get-token prints.
type Result struct {
	AccessToken string
	TokenType   string
	// ServeUntil is the expiry reported to kubectl: the token's expiry less
	// the margin, so kubectl asks again before the token dies.
	ServeUntil time.Time
	FromCache  bool
}

// Acquire returns a usable token for r.
func (p *Pipeline) Acquire(ctx context.Context, r Request) (Result, error) {
	c := p.Cache
	if c != nil && !c.Enabled() {
		c = nil
	}
	if c == nil {
		tok, err := p.fetch(ctx, r, nil)
		if err != nil {
			return Result{}, err
		}
		e := p.entry(r.Key, tok)
		return p.result(e, false), nil
	}

	prev, ok := c.Get(r.Key)
	if ok && prev.Usable(p.Now(), p.Margin) {
		p.Logger.Debug("cache hit", "key", r.Key.ID())
		return p.result(prev, true), nil
	}

	// Say whom we wait for only when the wait is noticeable: a parallel
	// refresh takes milliseconds, another process's sign-in takes minutes.
	var notice *time.Timer
	unlock, err := c.Lock(ctx, r.Key, func(holder int) {
		notice = time.AfterFunc(WaitNoticeAfter, func() {
			p.Warn(fmt.Sprintf("Waiting for kubelogin process %d, which is getting a token for the same cluster and account...", holder))
		})
	})
	if notice != nil {
		notice.Stop()
	}
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, err
		}
		p.Warn(fmt.Sprintf("Warning: cannot lock the token cache (%v); continuing without it", err))
		tok, err := p.fetch(ctx, r, stateOf(prev, ok))
		if err != nil {
			return Result{}, err
		}
		return p.result(p.entry(r.Key, tok), false), nil
	}
	defer unlock()

	// Another process may have refreshed while we waited.
	prev, ok = c.Get(r.Key)
	if ok && prev.Usable(p.Now(), p.Margin) {
		p.Logger.Debug("cache filled by another process", "key", r.Key.ID())
		return p.result(prev, true), nil
	}
	tok, err := p.fetch(ctx, r, stateOf(prev, ok))
	if sdk.CodeOf(err) == sdk.CodeInvalidGrant && ok {
		_ = c.Delete(r.Key)
	}
	if err != nil {
		return Result{}, err
	}
	e := p.entry(r.Key, tok)
	if err := c.Put(r.Key, e); err != nil {
		p.Warn(fmt.Sprintf("Warning: the token was not cached (%v); the next kubectl call will fetch a new one", err))
	}
	return p.result(e, false), nil
}

func stateOf(e *cache.Entry, ok bool) []byte {
	if !ok || e == nil {
		return nil
	}
	return e.State
}

// fetch asks the provider, retrying once without state when the provider
// says the stored state (refresh token) is no longer valid.
func (p *Pipeline) fetch(ctx context.Context, r Request, state []byte) (*sdk.Token, error) {
	src, err := p.Source()
	if err != nil {
		return nil, err
	}
	req := *r.Provider
	req.State = state
	tok, err := src.GetToken(ctx, &req, p.UI)
	if err != nil && state != nil && sdk.CodeOf(err) == sdk.CodeInvalidGrant {
		p.Logger.Info("stored sign-in is no longer valid; starting over", "error", err)
		p.Warn("The stored sign-in has expired or was revoked; signing in again.")
		req.State = nil
		tok, err = src.GetToken(ctx, &req, p.UI)
	}
	if err != nil {
		return nil, Explain(err)
	}
	if tok.AccessToken == "" {
		return nil, errors.New("the provider returned an empty access token")
	}
	if r.Audience != "" {
		if err := tokencheck.CheckAudience(tok.AccessToken, r.Audience); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

// entry is what Put stores for t; Put copies the key's descriptive fields
// (mode, tenant, client, account when the provider named none, ...).
func (p *Pipeline) entry(k cache.Key, t *sdk.Token) *cache.Entry {
	return &cache.Entry{
		Account:     t.Account,
		AccessToken: t.AccessToken,
		TokenType:   tokenType(k.PoPKeyID != ""),
		ExpiresAt:   t.ExpiresAt,
		State:       t.State,
		WrittenAt:   p.Now(),
	}
}

func (p *Pipeline) result(e *cache.Entry, hit bool) Result {
	return Result{AccessToken: e.AccessToken, TokenType: e.TokenType, ServeUntil: e.ServeUntil(p.Margin), FromCache: hit}
}

// tokenType is what the cache entry records: the host asked for a PoP token
// or it did not.
func tokenType(pop bool) string {
	if pop {
		return "pop"
	}
	return "Bearer"
}
