package cache

import "time"

// Entry is what the cache stores for one Key: the token served to kubectl and the provider's state that
// lets it refresh without prompting.
type Entry struct {
	// ID is the Key.ID the entry is stored under; set by Put, checked by Get, shown by status.
	ID string `json:"key"`

	// Descriptive, non-secret copy of the key for `kubelogin status`; Put fills these from the Key
	// (Account only when the provider named none).
	LoginMode     string `json:"loginMode,omitempty"`
	AuthorityHost string `json:"authorityHost,omitempty"`
	TenantID      string `json:"tenantID,omitempty"`
	ClientID      string `json:"clientID,omitempty"`
	ServerID      string `json:"serverID,omitempty"`
	Account       string `json:"account,omitempty"`
	Legacy        bool   `json:"legacy,omitempty"`
	PoP           bool   `json:"pop,omitempty"`

	AccessToken string    `json:"accessToken"`
	TokenType   string    `json:"tokenType"` // "Bearer" or "pop"
	ExpiresAt   time.Time `json:"expiresAt"`
	// State is the provider's opaque blob (e.g. a serialised MSAL cache), handed back on the next request.
	State []byte `json:"state,omitempty"`
	// WrittenAt is when the token was stored; with ExpiresAt it gives the token's life for the margin rule.
	// Put sets it to the current time when zero.
	WrittenAt time.Time `json:"writtenAt"`
}

// Usable reports whether the token may be served at now, so get-token answers from the cache without
// starting a provider. It is exactly now < ServeUntil(margin), with a non-empty token.
func (e *Entry) Usable(now time.Time, margin time.Duration) bool {
	return e.AccessToken != "" && now.Before(e.ServeUntil(margin))
}

// ServeUntil is the last moment the token is served, reported to kubectl as expirationTimestamp so that
// client-go comes back exactly when the cache would refresh.
//
// Rule: the token is served until ExpiresAt - m, where m = min(margin, life/2) and life = ExpiresAt -
// WrittenAt. A normal token (life >= 2*margin) is refreshed margin before expiry, never handing out a
// nearly expired one; a short-lived token (say 4 minutes under a 5-minute margin) is still served for the
// first half of its life instead of being refetched on every call. The rule is continuous in life, so no
// lifetime leaves a token usable for only a moment. Without WrittenAt the full margin applies; a token
// that had expired when written (life <= 0) is never served.
func (e *Entry) ServeUntil(margin time.Duration) time.Time {
	if e.ExpiresAt.IsZero() {
		return time.Time{}
	}
	if !e.WrittenAt.IsZero() {
		margin = min(margin, max(e.ExpiresAt.Sub(e.WrittenAt)/2, 0))
	}
	return e.ExpiresAt.Add(-margin)
}
