// Package popscheme asks MSAL for Proof-of-Possession tokens on the host's
// behalf: the host holds the key and signs the PoP wrapper itself, so
// providers only need Entra to bind the access token to the key.
package popscheme

// Scheme is MSAL's authentication scheme extension point for PoP: it adds
// token_type=pop and req_cnf to every token request (refreshes included)
// and leaves the access token as Entra issued it.
type Scheme struct{ reqCnf string }

// New binds tokens to the key that reqCnf (from sdk.Request.PoP) names.
func New(reqCnf string) Scheme { return Scheme{reqCnf: reqCnf} }

// TokenRequestParams are the extra form fields of the token request.
func (s Scheme) TokenRequestParams() map[string]string {
	return map[string]string{"token_type": "pop", "req_cnf": s.reqCnf}
}

// KeyID partitions MSAL's cache by key, so state carried between runs never
// serves a token bound to another key; req_cnf identifies the key as well
// as its kid does.
func (s Scheme) KeyID() string { return s.reqCnf }

// FormatAccessToken returns the token unchanged: the host wraps it.
func (Scheme) FormatAccessToken(at string) (string, error) { return at, nil }

// AccessTokenType is what MSAL stores the token as.
func (Scheme) AccessTokenType() string { return "pop" }
