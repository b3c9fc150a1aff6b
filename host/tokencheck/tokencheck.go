// Package tokencheck reads the claims of an access token the host is about
// to cache or hand to kubectl. It does not verify signatures (the API
// server does); it catches a token for the wrong audience before it is
// stored and fails on every kubectl call.
package tokencheck

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Claims are the fields the host looks at.
type Claims struct {
	Audience []string
	Issuer   string
	Subject  string
}

// Parse decodes a JWT's payload.
func Parse(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("the access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("decoding the access token's claims: %w", err)
	}
	var raw struct {
		Aud json.RawMessage `json:"aud"`
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, fmt.Errorf("decoding the access token's claims: %w", err)
	}
	c := Claims{Issuer: raw.Iss, Subject: raw.Sub}
	var one string
	if err := json.Unmarshal(raw.Aud, &one); err == nil {
		c.Audience = []string{one}
	} else if err := json.Unmarshal(raw.Aud, &c.Audience); err != nil {
		return Claims{}, fmt.Errorf("the access token's aud claim is neither a string nor a list")
	}
	return c, nil
}

// CheckAudience fails unless the token is for want. The error names both
// values and, when they differ only by the spn: prefix, which setting to change.
func CheckAudience(token, want string) error {
	c, err := Parse(token)
	if err != nil {
		return err
	}
	for _, a := range c.Audience {
		if a == want {
			return nil
		}
	}
	got := strings.Join(c.Audience, ",")
	hint := "check --server-id"
	switch {
	case "spn:"+want == got:
		hint = "the identity provider returned a legacy token: drop --legacy from the kubeconfig's args or use a v2 endpoint"
	case want == "spn:"+got:
		hint = "--legacy expects a v1 token with the spn: prefix; remove --legacy if the cluster uses AKS-managed Entra ID"
	}
	return fmt.Errorf("the token's audience is %q but %q was expected: %s", got, want, hint)
}
