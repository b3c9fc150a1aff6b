package main

// popScheme is MSAL's extension point for PoP: it adds token_type=pop and
// req_cnf to the token request, on refresh as on password grants, and
// leaves the token as Entra issued it, since the host holds the key and
// signs the PoP wrapper. It repeats providers/spn's unexported type; the two
// belong in providers/internal.
type popScheme struct{ reqCnf string }

func (s popScheme) TokenRequestParams() map[string]string {
	return map[string]string{"token_type": "pop", "req_cnf": s.reqCnf}
}

// KeyID partitions MSAL's cached access tokens by key, so the state never
// serves a token bound to another key; req_cnf identifies the key as well
// as its kid does.
func (s popScheme) KeyID() string { return s.reqCnf }

func (popScheme) FormatAccessToken(at string) (string, error) { return at, nil }

func (popScheme) AccessTokenType() string { return "pop" }
