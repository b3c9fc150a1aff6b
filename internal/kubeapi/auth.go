package kubeapi

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// UserInfo is the authenticated identity, mapped from token claims the way AKS does: username from upn
// (users) or oid (service principals, managed identities), uid from oid.
type UserInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// keySet caches the issuer's RSA signing keys by kid and re-fetches when a token names an unknown one.
type keySet struct {
	url    string
	client *http.Client

	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
}

func newKeySet(url string, client *http.Client) *keySet {
	return &keySet{url: url, client: client, keys: map[string]*rsa.PublicKey{}}
}

func (k *keySet) key(kid string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[kid]; ok {
		return key, nil
	}
	if err := k.fetchLocked(); err != nil {
		return nil, err
	}
	if key, ok := k.keys[kid]; ok {
		return key, nil
	}
	return nil, fmt.Errorf("signing key %q not found in %s", kid, k.url)
}

func (k *keySet) fetchLocked() error {
	resp, err := k.client.Get(k.url)
	if err != nil {
		return fmt.Errorf("fetch JWKS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch JWKS: %s", resp.Status)
	}
	var set struct {
		Keys []rsaJWK `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return fmt.Errorf("decode JWKS: %w", err)
	}
	for _, j := range set.Keys {
		if key, err := j.publicKey(); err == nil && j.Kid != "" {
			k.keys[j.Kid] = key
		}
	}
	return nil
}

// rsaJWK is an RSA JSON Web Key (RFC 7517), as in a JWKS or a PoP token's cnf.jwk.
type rsaJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (j rsaJWK) publicKey() (*rsa.PublicKey, error) {
	if j.Kty != "RSA" {
		return nil, fmt.Errorf("unsupported key type %q", j.Kty)
	}
	n, err := base64.RawURLEncoding.DecodeString(j.N)
	if err != nil {
		return nil, fmt.Errorf("decode n: %w", err)
	}
	e, err := base64.RawURLEncoding.DecodeString(j.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the canonical {"e","kty","n"} JSON, base64url.
func (j rsaJWK) thumbprint() string {
	canonical := fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, j.E, j.N)
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authenticate validates the request's token and returns the user and the scheme ("Bearer" or "PoP").
func (s *Server) authenticate(r *http.Request) (UserInfo, string, error) {
	raw, err := bearerToken(r)
	if err != nil {
		return UserInfo{}, "", err
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return UserInfo{}, "", fmt.Errorf("malformed token: %w", err)
	}
	if typ, _ := unverified.Header["typ"].(string); typ == "pop" {
		claims, err := s.validatePoP(raw)
		if err != nil {
			return UserInfo{}, "", fmt.Errorf("PoP token: %w", err)
		}
		return userFromClaims(claims), "PoP", nil
	}
	claims, err := s.validateAccessToken(raw)
	if err != nil {
		return UserInfo{}, "", err
	}
	if _, bound := claims["cnf"]; bound {
		return UserInfo{}, "", errors.New("a PoP-bound access token was presented as a bearer token")
	}
	return userFromClaims(claims), "Bearer", nil
}

// validateAccessToken checks signature (RS256, kid from JWKS), expiry, not-before, issuer and audience.
func (s *Server) validateAccessToken(raw string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(s.cfg.Now),
		jwt.WithExpirationRequired(),
	).ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return s.keys.key(kid)
	})
	if err != nil {
		return nil, fmt.Errorf("invalid token: %w", err)
	}
	iss, _ := claims.GetIssuer()
	if !slices.Contains(s.cfg.Issuers, iss) {
		return nil, fmt.Errorf("issuer %q is not trusted", iss)
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(s.cfg.Audiences, a) }) {
		return nil, fmt.Errorf("audience %q is not accepted", aud)
	}
	return claims, nil
}

// popPayload is the outer, client-signed PoP token (the SHR format Azure/kubelogin produces).
type popPayload struct {
	AT    string `json:"at"`
	TS    int64  `json:"ts"`
	U     string `json:"u"`
	Nonce string `json:"nonce"`
	Cnf   struct {
		JWK rsaJWK `json:"jwk"`
	} `json:"cnf"`
}

// validatePoP verifies the outer token with its own cnf.jwk, its freshness, the inner access token, and
// that the inner token was issued for that very key (cnf.kid equals the JWK thumbprint).
func (s *Server) validatePoP(raw string) (jwt.MapClaims, error) {
	var outer popPayload
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(raw, jwt.MapClaims{}, func(t *jwt.Token) (any, error) {
			data, err := json.Marshal(t.Claims)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(data, &outer); err != nil {
				return nil, fmt.Errorf("decode payload: %w", err)
			}
			return outer.Cnf.JWK.publicKey()
		})
	if err != nil {
		return nil, fmt.Errorf("outer signature: %w", err)
	}
	now := s.cfg.Now()
	ts := time.Unix(outer.TS, 0)
	if ts.Before(now.Add(-s.cfg.PoPMaxAge)) || ts.After(now.Add(time.Minute)) {
		return nil, fmt.Errorf("ts %s is not recent", ts.UTC().Format(time.RFC3339))
	}
	if outer.AT == "" {
		return nil, errors.New("no at claim")
	}
	inner, err := s.validateAccessToken(outer.AT)
	if err != nil {
		return nil, fmt.Errorf("inner token: %w", err)
	}
	cnf, _ := inner["cnf"].(map[string]any)
	kid, _ := cnf["kid"].(string)
	if kid == "" || kid != outer.Cnf.JWK.thumbprint() {
		return nil, errors.New("inner token is not bound to the signing key")
	}
	return inner, nil
}

func userFromClaims(c jwt.MapClaims) UserInfo {
	str := func(k string) string { v, _ := c[k].(string); return v }
	u := UserInfo{UID: str("oid")}
	switch {
	case str("upn") != "":
		u.Username = str("upn")
	case str("preferred_username") != "":
		u.Username = str("preferred_username")
	default:
		u.Username = str("oid")
	}
	if u.Username == "" {
		u.Username, _ = c.GetSubject()
	}
	groups, _ := c["groups"].([]any)
	for _, g := range groups {
		if s, ok := g.(string); ok {
			u.Groups = append(u.Groups, s)
		}
	}
	u.Groups = append(u.Groups, "system:authenticated")
	if oid := str("oid"); oid != "" {
		u.Extra = map[string][]string{"oid": {oid}}
	}
	return u
}
