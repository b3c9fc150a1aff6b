// Package kubeapi is a Kubernetes API server stand-in for tests and the demo. It serves HTTPS on loopback,
// validates bearer and PoP tokens for real (RS256 signature against the issuer's JWKS, issuer, audience,
// expiry, PoP key binding), and answers just enough of the API for `kubectl get nodes` and
// `kubectl auth whoami`. Unauthenticated requests get the 401 Status a real API server sends, which is what
// makes kubectl re-run its exec credential plugin.
package kubeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// Config says which tokens the server accepts.
type Config struct {
	// CA signs the server certificate (nil creates one); kubeconfigs carry it as certificate-authority-data.
	CA *testca.CA
	// Addr is the listen address; default 127.0.0.1:0.
	Addr string
	// Issuers are the accepted iss values, e.g. the emulator's IssuerV2 and IssuerV1 for a tenant.
	Issuers []string
	// Audiences are the accepted aud values: the server ID, or "spn:<server ID>" for legacy tokens.
	Audiences []string
	// JWKSURL is fetched (and re-fetched when a token names an unknown kid) for the signing keys.
	JWKSURL string
	// HTTPClient fetches JWKSURL; it must trust the issuer's CA. Default: the CA's client.
	HTTPClient *http.Client
	// Now is the clock for exp/nbf and PoP ts checks; default time.Now. Share the emulator's clock.
	Now func() time.Time
	// Nodes are the node names listed; default two AKS-style names.
	Nodes []string
	// PoPMaxAge bounds how old a PoP token's ts may be; default 5 minutes. ts may be up to a minute ahead.
	PoPMaxAge time.Duration
}

// Server is the API server stand-in. Methods are safe for concurrent use.
type Server struct {
	cfg     Config
	keys    *keySet
	srv     *http.Server
	url     string
	started time.Time

	mu       sync.Mutex
	requests []Request
}

// Request is one API request as the server saw it; tokens are never recorded.
type Request struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	// User is the authenticated username, empty when authentication failed.
	User string `json:"user,omitempty"`
	// Scheme is "Bearer" or "PoP" for authenticated requests.
	Scheme string `json:"scheme,omitempty"`
	// Error says why authentication failed.
	Error string `json:"error,omitempty"`
}

// New validates cfg and prepares a server; Start it to listen.
func New(cfg Config) (*Server, error) {
	switch {
	case len(cfg.Issuers) == 0:
		return nil, errors.New("kubeapi: at least one issuer is required")
	case len(cfg.Audiences) == 0:
		return nil, errors.New("kubeapi: at least one audience is required")
	case cfg.JWKSURL == "":
		return nil, errors.New("kubeapi: JWKSURL is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.CA == nil {
		ca, err := testca.New()
		if err != nil {
			return nil, fmt.Errorf("kubeapi: %w", err)
		}
		cfg.CA = ca
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = cfg.CA.HTTPClient()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Nodes) == 0 {
		cfg.Nodes = []string{"aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001"}
	}
	if cfg.PoPMaxAge <= 0 {
		cfg.PoPMaxAge = 5 * time.Minute
	}
	cfg.Issuers = slices.Clone(cfg.Issuers)
	cfg.Audiences = slices.Clone(cfg.Audiences)
	return &Server{cfg: cfg, keys: newKeySet(cfg.JWKSURL, cfg.HTTPClient)}, nil
}

// Start listens and serves HTTPS in the background.
func (s *Server) Start() error {
	tlsConf, err := s.cfg.CA.ServerTLSConfig()
	if err != nil {
		return fmt.Errorf("kubeapi: %w", err)
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("kubeapi: listen on %s: %w", s.cfg.Addr, err)
	}
	s.url = "https://" + ln.Addr().String()
	s.started = s.cfg.Now()
	s.srv = &http.Server{
		Handler:           s.routes(),
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = s.srv.ServeTLS(ln, "", "") }()
	return nil
}

// Close stops the server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("kubeapi: shutdown: %w", err)
	}
	return nil
}

// URL is the server URL for a kubeconfig's cluster.server, without a trailing slash.
func (s *Server) URL() string { return s.url }

// CA is the authority that signed the server certificate.
func (s *Server) CA() *testca.CA { return s.cfg.CA }

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Authorized counts requests that carried a valid token.
func (s *Server) Authorized() int { return s.count(func(r Request) bool { return r.User != "" }) }

// Unauthorized counts requests rejected with 401.
func (s *Server) Unauthorized() int {
	return s.count(func(r Request) bool { return r.Status == http.StatusUnauthorized })
}

func (s *Server) count(match func(Request) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if match(r) {
			n++
		}
	}
	return n
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// controlPath exposes the request log to out-of-process tests, without authentication.
const controlPath = "/_kubeapi/requests"

// authenticated wraps the API: every request needs a valid token, as on an AKS cluster.
// The user is passed on in the request context (see userFrom).
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{Time: s.cfg.Now(), Method: r.Method, Path: r.URL.Path}
		user, scheme, err := s.authenticate(r)
		if err != nil {
			rec.Status, rec.Error = http.StatusUnauthorized, err.Error()
			s.record(rec)
			writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
			return
		}
		sr := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sr, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
		rec.Status, rec.User, rec.Scheme = sr.status, user.Username, scheme
		s.record(rec)
	})
}

type userKey struct{}

// userFrom returns the user that authenticated stored in the request context.
func userFrom(r *http.Request) UserInfo {
	u, _ := r.Context().Value(userKey{}).(UserInfo)
	return u
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// bearerToken extracts the credential from "Authorization: Bearer <token>".
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errors.New("no bearer token")
	}
	return strings.TrimSpace(token), nil
}
