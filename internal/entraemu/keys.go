package entraemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // x5t is a SHA-1 thumbprint by definition (RFC 7517 §4.8); Entra ID uses it as kid
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signer holds the token signing key and the self-signed certificate Entra ID publishes alongside it (x5c).
type signer struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	kid  string
}

func newSigner(key *rsa.PrivateKey) (*signer, error) {
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing certificate: %w", err)
	}
	sum := sha1.Sum(der)
	return &signer{key: key, cert: cert, kid: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// sign produces an RS256 JWT with the kid and x5t headers Entra ID sets.
func (s *signer) sign(claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = s.kid
	tok.Header["x5t"] = s.kid
	out, err := tok.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return out, nil
}

// jwk is one entry of a JSON Web Key Set as Entra ID publishes it.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	Kid    string   `json:"kid"`
	X5t    string   `json:"x5t"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X5c    []string `json:"x5c"`
	Issuer string   `json:"issuer,omitempty"`
}

func (s *signer) jwks(issuer string) map[string]any {
	pub := s.key.PublicKey
	e := make([]byte, 8)
	binary.BigEndian.PutUint64(e, uint64(pub.E))
	for len(e) > 1 && e[0] == 0 {
		e = e[1:]
	}
	return map[string]any{"keys": []jwk{{
		Kty:    "RSA",
		Use:    "sig",
		Kid:    s.kid,
		X5t:    s.kid,
		N:      base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:      base64.RawURLEncoding.EncodeToString(e),
		X5c:    []string{base64.StdEncoding.EncodeToString(s.cert.Raw)},
		Issuer: issuer,
	}}}
}

// SignToken signs arbitrary claims with the emulator's current key, so API server tests can craft tokens
// (wrong audience, expired, …) that only differ from real ones where the test says so.
func (e *Emulator) SignToken(claims map[string]any) (string, error) {
	return e.keys.sign(jwt.MapClaims(claims))
}

// randomString returns n random bytes, base64url-encoded: codes, refresh tokens, secrets.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID for trace, correlation and token identifiers.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return formatUUID(b, 4)
}

// stableUUID derives a name-based UUID so object IDs stay the same across runs and processes.
func stableUUID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return formatUUID(sum[:16], 8)
}

func formatUUID(b []byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}

func (e *Emulator) handleJWKS(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	issuer := ""
	if tenant != "" && tenant != "common" {
		issuer = baseURL(r) + tenant + "/v2.0"
	}
	writeJSON(w, http.StatusOK, e.keys.jwks(issuer))
}
