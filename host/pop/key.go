// Package pop is the host side of Proof-of-Possession: it keeps the RSA key
// that Entra ID binds PoP access tokens to, and signs the PoP token kubectl
// presents. Because the host, not the provider, holds the key and signs, any
// provider that can ask Entra ID for a pop token supports PoP, and the raw
// access token can be cached like a bearer token: each get-token call wraps
// it in a fresh signature.
package pop

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// keyBits is the size Azure/kubelogin uses and Entra ID accepts.
const keyBits = 2048

// Key is the host's PoP key. Its public half travels to Entra ID as the
// request confirmation (ReqCnf) and to the API server inside each PoP token.
type Key struct {
	priv *rsa.PrivateKey
	n, e string // base64url, as in the JWK
	kid  string // RFC 7638 thumbprint
}

// NewKey generates a key that lives only as long as the process, for runs
// that store nothing (--no-cache).
func NewKey() (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("generating the PoP key: %w", err)
	}
	return newKey(priv), nil
}

func newKey(priv *rsa.PrivateKey) *Key {
	n, e := jwkNE(&priv.PublicKey)
	return &Key{priv: priv, n: n, e: e, kid: thumbprint(n, e)}
}

// Thumbprint is the key's RFC 7638 JWK thumbprint. It is the kid Entra ID
// puts in the access token's cnf claim, and it is part of the cache key, so
// a new key never serves a token bound to the old one.
func (k *Key) Thumbprint() string { return k.kid }

// ReqCnf is the req_cnf parameter of the token request: base64url of
// {"kid":<thumbprint>,"xms_ksl":"sw"} ("sw": a software key).
func (k *Key) ReqCnf() string {
	b, _ := json.Marshal(struct {
		Kid    string `json:"kid"`
		XmsKsl string `json:"xms_ksl"`
	}{k.kid, "sw"})
	return base64.RawURLEncoding.EncodeToString(b)
}

// JWK is the public key as the PoP token's cnf.jwk carries it.
func (k *Key) JWK() map[string]string {
	return map[string]string{"e": k.e, "kty": "RSA", "n": k.n, "alg": "RS256", "kid": k.kid}
}

// jwkNE encodes the modulus and exponent as unpadded big-endian base64url.
func jwkNE(pub *rsa.PublicKey) (n, e string) {
	enc := base64.RawURLEncoding.EncodeToString
	return enc(pub.N.Bytes()), enc(big.NewInt(int64(pub.E)).Bytes())
}

// thumbprint is RFC 7638: SHA-256 over the required members in
// lexicographic order with no whitespace. n and e are base64url, which needs
// no JSON escaping.
func thumbprint(n, e string) string {
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
