package entraemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" // x5t (SHA-1) is what RS256 client assertions carry
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Authentication method reference values, as Entra ID puts them in azpacr/appidacr.
const (
	acrPublic      = "0"
	acrSecret      = "1"
	acrCertificate = "2"
)

// FederatedCredential trusts tokens from an external issuer (a Kubernetes service account issuer, GitHub
// Actions, …) as client assertions, as a workload identity federation record does.
type FederatedCredential struct {
	Issuer  string
	Subject string
	// Audience the external token must carry; default TokenExchangeAudience.
	Audience string
	// Key verifies the external token's signature (RSA or ECDSA public key).
	Key crypto.PublicKey
}

// authenticateClient identifies the client and checks its credential. appOnly grants (client credentials)
// require a credential even from clients registered as public.
func (e *Emulator) authenticateClient(r *http.Request, tenant *Tenant, appOnly bool) (*Client, string, *oauthError) {
	id := r.PostForm.Get("client_id")
	secret := r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
		record(r).ClientID = id
	}
	if id == "" {
		return nil, "", errMissingParam("client_id")
	}
	client, ok := e.lookupClient(id)
	if !ok {
		return nil, "", errUnknownClient(id, tenant.ID)
	}
	assertion := r.PostForm.Get("client_assertion")
	switch {
	case (secret != "" || assertion != "") && client.Public:
		return nil, "", errPublicWithCredential()
	case secret != "":
		if client.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1 {
			return nil, "", errBadSecret(client.ID)
		}
		return client, acrSecret, nil
	case assertion != "":
		if r.PostForm.Get("client_assertion_type") != clientAssertionType {
			return nil, "", errInvalidParam("client_assertion_type")
		}
		if oe := e.verifyAssertion(client, tenant, assertion); oe != nil {
			return nil, "", oe
		}
		return client, acrCertificate, nil
	case appOnly || !client.Public:
		return nil, "", errMissingCredential()
	}
	return client, acrPublic, nil
}

// verifyAssertion accepts either a certificate assertion (iss = sub = client ID, signed by the registered
// certificate, aud = this tenant's token endpoint) or a federated token matching a FederatedCredential.
func (e *Emulator) verifyAssertion(client *Client, tenant *Tenant, assertion string) *oauthError {
	unverified, _, err := jwt.NewParser().ParseUnverified(assertion, jwt.MapClaims{})
	if err != nil {
		return errAssertion(50027, "JWT token is invalid or malformed.")
	}
	iss, _ := unverified.Claims.GetIssuer()
	if iss == client.ID {
		return e.verifyCertificateAssertion(client, tenant, assertion)
	}
	return e.verifyFederatedAssertion(client, iss, assertion)
}

func (e *Emulator) verifyCertificateAssertion(client *Client, tenant *Tenant, assertion string) *oauthError {
	if client.Certificate == nil {
		return errAssertion(700027, "Client assertion failed signature validation: no certificate is registered for app '%s'.", client.ID)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "PS256"}),
		jwt.WithTimeFunc(e.Now),
		jwt.WithExpirationRequired(),
	).ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		if !thumbprintMatches(t.Header, client.Certificate.Raw) {
			return nil, errors.New("the certificate thumbprint in the assertion header is not registered")
		}
		return client.Certificate.PublicKey, nil
	})
	if oe := assertionError(err, e.Now()); oe != nil {
		return oe
	}
	if sub, _ := claims.GetSubject(); sub != client.ID {
		return errAssertion(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool { return e.isTokenEndpointFor(a, tenant) }) {
		return errAssertion(700212, "Client assertion audience claim does not match the token endpoint of tenant '%s'.", tenant.ID)
	}
	return nil
}

// thumbprintMatches checks x5t#S256 or x5t (whichever the assertion carries) against the certificate.
func thumbprintMatches(header map[string]any, der []byte) bool {
	if v, ok := header["x5t#S256"].(string); ok {
		sum := sha256.Sum256(der)
		return thumbprintEqual(v, sum[:])
	}
	if v, ok := header["x5t"].(string); ok {
		sum := sha1.Sum(der)
		return thumbprintEqual(v, sum[:])
	}
	return true
}

// thumbprintEqual accepts both encodings seen in the wild: MSAL Go uses standard base64, the RFC base64url.
func thumbprintEqual(v string, sum []byte) bool {
	return v == base64.StdEncoding.EncodeToString(sum) || v == base64.RawURLEncoding.EncodeToString(sum) ||
		v == base64.URLEncoding.EncodeToString(sum)
}

// isTokenEndpointFor accepts the v1 and v2 token endpoints of tenant, under whatever host name the client
// used (the emulator may sit behind a proxy that presents it as login.microsoftonline.com).
func (e *Emulator) isTokenEndpointFor(aud string, tenant *Tenant) bool {
	u, err := url.Parse(aud)
	if err != nil {
		return false
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	t, ok := e.lookupTenant(name)
	return ok && t.ID == tenant.ID && (rest == "oauth2/v2.0/token" || rest == "oauth2/token")
}

func (e *Emulator) verifyFederatedAssertion(client *Client, iss, assertion string) *oauthError {
	var matches []FederatedCredential
	for _, fc := range client.FederatedCredentials {
		if fc.Issuer == iss {
			matches = append(matches, fc)
		}
	}
	if len(matches) == 0 {
		return errAssertion(700211, "No matching federated identity record found for presented assertion issuer '%s'.", iss)
	}
	var lastErr *oauthError
	for _, fc := range matches {
		claims := jwt.MapClaims{}
		_, err := jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256", "PS256", "ES256"}),
			jwt.WithTimeFunc(e.Now),
			jwt.WithExpirationRequired(),
		).ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return fc.Key, nil })
		if oe := assertionError(err, e.Now()); oe != nil {
			lastErr = oe
			continue
		}
		if sub, _ := claims.GetSubject(); sub != fc.Subject {
			lastErr = errAssertion(700213, "No matching federated identity record found for presented assertion subject '%s'.", sub)
			continue
		}
		want := fc.Audience
		if want == "" {
			want = TokenExchangeAudience
		}
		if aud, _ := claims.GetAudience(); !slices.Contains(aud, want) {
			lastErr = errAssertion(700212, "No matching federated identity record found for presented assertion audience '%s'.", strings.Join(aud, ","))
			continue
		}
		return nil
	}
	return lastErr
}

// assertionError maps JWT validation failures to the AADSTS codes Entra ID uses for client assertions.
func assertionError(err error, now time.Time) *oauthError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return errAssertion(700024, "Client assertion is not within its valid time range. Current time: %s.", now.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenMalformed):
		return errAssertion(50027, "JWT token is invalid or malformed.")
	default:
		return errAssertion(700027, "Client assertion failed signature validation.")
	}
}

// FederatedIssuer plays an external OIDC issuer (e.g. a cluster's service account issuer) for workload
// identity tests: it mints the tokens a pod would find in AZURE_FEDERATED_TOKEN_FILE.
type FederatedIssuer struct {
	URL string
	key *ecdsa.PrivateKey
}

// NewFederatedIssuer creates an issuer with a fresh ES256 key.
func NewFederatedIssuer(issuerURL string) (*FederatedIssuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate federated issuer key: %w", err)
	}
	return &FederatedIssuer{URL: issuerURL, key: key}, nil
}

// Credential is the federation record that trusts this issuer for subject; add it to a Client.
func (f *FederatedIssuer) Credential(subject string) FederatedCredential {
	return FederatedCredential{Issuer: f.URL, Subject: subject, Audience: TokenExchangeAudience, Key: f.key.Public()}
}

// Token mints a federated token for subject valid from notBefore until expiry; pass a past expiry to test
// AADSTS700024.
func (f *FederatedIssuer) Token(subject string, notBefore, expiry time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": f.URL,
		"sub": subject,
		"aud": []string{TokenExchangeAudience},
		"iat": notBefore.Unix(),
		"nbf": notBefore.Unix(),
		"exp": expiry.Unix(),
	})
	out, err := tok.SignedString(f.key)
	if err != nil {
		return "", fmt.Errorf("sign federated token: %w", err)
	}
	return out, nil
}
