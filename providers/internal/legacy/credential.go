package legacy

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Credential authenticates the application at the v1 token endpoint.
type Credential interface {
	addTo(form url.Values, clientID, tokenEndpoint string) error
}

// Secret is a client secret.
type Secret string

func (s Secret) addTo(form url.Values, _, _ string) error {
	form.Set("client_secret", string(s))
	return nil
}

// Certificate signs a client assertion, as ADAL did: RS256 with the
// certificate's SHA-1 thumbprint in x5t.
type Certificate struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// assertionLifetime is short: the assertion is used once, right away.
const assertionLifetime = 10 * time.Minute

func (c Certificate) addTo(form url.Values, clientID, tokenEndpoint string) error {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return sdk.Errorf(sdk.CodeUnspecified, "create client assertion id: %v", err)
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Audience:  jwt.ClaimStrings{tokenEndpoint},
		Issuer:    clientID,
		Subject:   clientID,
		ID:        hex.EncodeToString(jti),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(assertionLifetime)),
	})
	thumb := sha1.Sum(c.Cert.Raw) // x5t is defined as the SHA-1 thumbprint
	tok.Header["x5t"] = base64.RawURLEncoding.EncodeToString(thumb[:])
	signed, err := tok.SignedString(c.Key)
	if err != nil {
		return sdk.Errorf(sdk.CodeInvalidRequest, "sign client assertion with the certificate's key: %v", err)
	}
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", signed)
	return nil
}
