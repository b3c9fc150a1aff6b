// Package fakeentra is a small Entra ID stand-in for the providers' own
// tests: the discovery, token and device code endpoints (v2 and v1) that
// MSAL, azidentity and the legacy client call, with switches to fail the
// way Entra does. It is imported by tests only; the shared emulator for end
// to end tests lives elsewhere.
package fakeentra

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Config says what the fake accepts.
type Config struct {
	// ClientSecret is the one secret client_credentials accepts.
	ClientSecret string
	// ClientCert is the certificate whose client assertions are accepted.
	ClientCert *x509.Certificate
	// PendingPolls is how many authorization_pending replies a device code
	// gets before the user "completes" sign-in.
	PendingPolls int
	// DeclineDeviceCode makes the user decline instead.
	DeclineDeviceCode bool
	// TokenLifetime of issued access tokens; default one hour.
	TokenLifetime time.Duration
	// Hang makes every endpoint wait until the client gives up.
	Hang bool
}

// Username is the user every device code sign-in completes as.
const Username = "user@contoso.example"

// Request is one recorded call.
type Request struct {
	Path string
	Form url.Values
	// AssertionHeader is the JOSE header of a client assertion, if any.
	AssertionHeader map[string]any
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	// AuthorityHost is the server URL with a trailing slash, as the host
	// passes it to providers.
	AuthorityHost string

	cfg      Config
	mu       sync.Mutex
	requests []Request
	refresh  map[string]bool
	polls    map[string]int
	n        int
}

// New starts a fake that is closed when t ends.
func New(t testing.TB, cfg Config) *Server {
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = time.Hour
	}
	s := &Server{cfg: cfg, refresh: map[string]bool{}, polls: map[string]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	s.AuthorityHost = s.URL + "/"
	t.Cleanup(s.Close)
	return s
}

// CertFile writes the server's certificate as PEM, for SSL_CERT_FILE in a
// provider subprocess.
func (s *Server) CertFile(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "fakeentra.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Requests returns the calls made so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls lists "path grant_type" for every call, a compact record for tests.
func (s *Server) Calls() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, strings.TrimSpace(r.Path+" "+r.Form.Get("grant_type")))
	}
	return out
}

// RevokeRefreshTokens invalidates every refresh token issued so far.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the body first lets net/http notice the client hanging up.
	_ = r.ParseForm()
	if s.cfg.Hang {
		<-r.Context().Done()
		return
	}
	rec := Request{Path: r.URL.Path, Form: r.PostForm}
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	base := s.URL + "/" + tenant
	if tenant == "unknown-tenant" {
		oauthError(w, 400, "invalid_request", 90002, "Tenant 'unknown-tenant' not found. Check to make sure you have the correct tenant ID.")
		return
	}
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		writeJSON(w, 200, map[string]any{
			"issuer":                        base + "/v2.0",
			"authorization_endpoint":        base + "/oauth2/v2.0/authorize",
			"token_endpoint":                base + "/oauth2/v2.0/token",
			"device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
			"jwks_uri":                      base + "/discovery/v2.0/keys",
		})
	case "oauth2/v2.0/devicecode", "oauth2/devicecode":
		s.deviceCode(w, rest == "oauth2/devicecode")
	case "oauth2/v2.0/token", "oauth2/token":
		rec.AssertionHeader = s.token(w, r.PostForm, tenant, s.URL+r.URL.Path, rest == "oauth2/token")
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) deviceCode(w http.ResponseWriter, v1 bool) {
	s.mu.Lock()
	s.n++
	code := fmt.Sprintf("device-%d", s.n)
	s.polls[code] = s.cfg.PendingPolls
	s.mu.Unlock()
	user := fmt.Sprintf("USER%03d", s.n)
	msg := "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code " + user + " to authenticate."
	if v1 {
		writeJSON(w, 200, map[string]any{"user_code": user, "device_code": code, "verification_url": "https://microsoft.com/devicelogin",
			"expires_in": "900", "interval": "1", "message": msg})
		return
	}
	writeJSON(w, 200, map[string]any{"user_code": user, "device_code": code, "verification_uri": "https://microsoft.com/devicelogin",
		"expires_in": 900, "interval": 5, "message": msg})
}

func (s *Server) token(w http.ResponseWriter, f url.Values, tenant, endpoint string, v1 bool) map[string]any {
	switch f.Get("grant_type") {
	case "client_credentials":
		hdr, ok := s.authenticateClient(w, f, endpoint)
		if ok {
			s.issue(w, f, tenant, v1, false)
		}
		return hdr
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
		code := f.Get("device_code")
		if v1 {
			code = f.Get("code")
		}
		s.mu.Lock()
		left, known := s.polls[code]
		s.polls[code] = left - 1
		s.mu.Unlock()
		switch {
		case !known:
			oauthError(w, 400, "invalid_grant", 70000, "The provided device code is not valid.")
		case left > 0:
			oauthError(w, 400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
		case s.cfg.DeclineDeviceCode:
			oauthError(w, 400, "authorization_declined", 70000, "The user declined the sign-in. Try again.")
		default:
			s.issue(w, f, tenant, v1, true)
		}
	case "refresh_token":
		s.mu.Lock()
		ok := s.refresh[f.Get("refresh_token")]
		delete(s.refresh, f.Get("refresh_token"))
		s.mu.Unlock()
		if !ok {
			oauthError(w, 400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on 2020-01-01T00:00:00Z.")
			return nil
		}
		s.issue(w, f, tenant, v1, true)
	default:
		oauthError(w, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	}
	return nil
}

// authenticateClient checks a secret or a signed assertion the way Entra
// does, and returns the assertion's header for the test to inspect.
func (s *Server) authenticateClient(w http.ResponseWriter, f url.Values, endpoint string) (map[string]any, bool) {
	if sec := f.Get("client_secret"); sec != "" {
		if sec != s.cfg.ClientSecret {
			oauthError(w, 401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
			return nil, false
		}
		return nil, true
	}
	assertion := f.Get("client_assertion")
	if assertion == "" || s.cfg.ClientCert == nil {
		oauthError(w, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return nil, false
	}
	pub, _ := s.cfg.ClientCert.PublicKey.(*rsa.PublicKey)
	tok, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithAudience(endpoint),
		jwt.WithIssuer(f.Get("client_id")), jwt.WithSubject(f.Get("client_id")), jwt.WithExpirationRequired())
	if err != nil {
		oauthError(w, 401, "invalid_client", 700027, "Client assertion failed signature validation. "+err.Error())
		return nil, false
	}
	return tok.Header, true
}

func (s *Server) issue(w http.ResponseWriter, f url.Values, tenant string, v1, user bool) {
	s.mu.Lock()
	s.n++
	n := s.n
	rt := fmt.Sprintf("rt-%d", n)
	if user {
		s.refresh[rt] = true
	}
	s.mu.Unlock()
	life := int64(s.cfg.TokenLifetime / time.Second)
	typ := "Bearer"
	if f.Get("token_type") == "pop" {
		typ = "pop"
	}
	out := map[string]any{"access_token": fmt.Sprintf("at-%d", n), "token_type": typ}
	if v1 {
		out["expires_in"] = strconv.FormatInt(life, 10)
		out["expires_on"] = strconv.FormatInt(time.Now().Unix()+life, 10)
		out["resource"] = f.Get("resource")
	} else {
		out["expires_in"] = life
		out["scope"] = f.Get("scope")
	}
	if user {
		out["refresh_token"] = rt
		out["id_token"] = idToken(f.Get("client_id"), s.URL+"/"+tenant+"/v2.0", tenant)
		out["client_info"] = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"uid":"uid-1","utid":%q}`, tenant))
	}
	writeJSON(w, 200, out)
}

// idToken is unsigned: MSAL reads it for the account but does not verify it.
func idToken(aud, iss, tenant string) string {
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{"aud": aud, "iss": iss, "tid": tenant, "oid": "uid-1", "sub": "sub-1",
		"preferred_username": Username, "upn": Username, "name": "Test User", "iat": now, "nbf": now, "exp": now + 3600, "ver": "2.0"})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + ".c2ln"
}

func oauthError(w http.ResponseWriter, status int, errStr string, code int, desc string) {
	writeJSON(w, status, map[string]any{
		"error":             errStr,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 00000000-0000\r\nCorrelation ID: 11111111-1111\r\nTimestamp: 2026-01-01 00:00:00Z", code, desc),
		"error_codes":       []int{code},
		"trace_id":          "00000000-0000",
		"correlation_id":    "11111111-1111",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
