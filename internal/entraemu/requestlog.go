package entraemu

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Request is one recorded call to the emulator. It holds identifiers only: secrets, passwords, assertions,
// codes and tokens are never recorded, so logs and test failures cannot leak them.
type Request struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Tenant    string    `json:"tenant,omitempty"`
	GrantType string    `json:"grant_type,omitempty"`
	ClientID  string    `json:"client_id,omitempty"`
	Scope     string    `json:"scope,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	// TokenType and ReqCnf are what a PoP request asks for (token_type=pop and the key's confirmation).
	TokenType string `json:"token_type,omitempty"`
	ReqCnf    string `json:"req_cnf,omitempty"`
	// Credential says how the client authenticated: "secret", "assertion" or "" for none; never the value.
	Credential string `json:"credential,omitempty"`
	// AssertionHeader is the JOSE header of a client assertion (alg, x5t, x5c, ...): public, unlike its claims.
	AssertionHeader map[string]any `json:"assertion_header,omitempty"`
	// AssertionSubject is the sub claim of a client assertion: the client ID, or a federated identity's
	// subject (a service account, a pipeline's service connection).
	AssertionSubject string `json:"assertion_subject,omitempty"`
	Status           int    `json:"status"`
	Error            string `json:"error,omitempty"`
	ErrorCode        int    `json:"error_code,omitempty"`
}

type recordKey struct{}

// record returns the in-flight Request for handlers to annotate, or a throwaway one outside the middleware.
func record(r *http.Request) *Request {
	if rec, ok := r.Context().Value(recordKey{}).(*Request); ok {
		return rec
	}
	return &Request{}
}

func recordError(r *http.Request, oe *oauthError) {
	rec := record(r)
	rec.Error = oe.err
	rec.ErrorCode = oe.code
}

// recordForm copies the non-secret identifying fields of a token or device code request.
func recordForm(r *http.Request) {
	rec := record(r)
	rec.GrantType = r.PostForm.Get("grant_type")
	rec.ClientID = r.PostForm.Get("client_id")
	rec.Scope = r.PostForm.Get("scope")
	rec.Resource = r.PostForm.Get("resource")
	rec.TokenType = r.PostForm.Get("token_type")
	rec.ReqCnf = r.PostForm.Get("req_cnf")
	switch {
	case r.PostForm.Get("client_secret") != "":
		rec.Credential = "secret"
	case r.PostForm.Get("client_assertion") != "":
		rec.Credential = "assertion"
		if tok, _, err := jwt.NewParser().ParseUnverified(r.PostForm.Get("client_assertion"), jwt.MapClaims{}); err == nil {
			rec.AssertionHeader = tok.Header
			rec.AssertionSubject, _ = tok.Claims.GetSubject()
		}
	}
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

// logRequests records every request except calls to the control API.
func (e *Emulator) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, controlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &Request{Time: e.Now(), Method: r.Method, Path: r.URL.Path}
		sr := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sr, r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)))
		rec.Status = sr.status
		e.mu.Lock()
		e.requests = append(e.requests, *rec)
		e.mu.Unlock()
	})
}

// Requests returns a copy of the request log, oldest first.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.requests...)
}

// ResetRequests clears the request log between test steps.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

// Count reports how many token requests used grantType (as sent, e.g. "refresh_token" or
// "urn:ietf:params:oauth:grant-type:device_code"), successful or not.
func (e *Emulator) Count(grantType string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if r.GrantType == grantType {
			n++
		}
	}
	return n
}

// CountPath reports how many requests had a path ending in suffix, e.g. "/oauth2/v2.0/devicecode".
func (e *Emulator) CountPath(suffix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// RequestCounts summarises the request log, e.g. for the demo's closing report.
type RequestCounts struct {
	Total      int            `json:"total"`
	GrantTypes map[string]int `json:"grant_types"`
	Paths      map[string]int `json:"paths"`
	Errors     map[string]int `json:"errors"`
}

// Counts tallies the request log by grant type, path and OAuth error.
func (e *Emulator) Counts() RequestCounts {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := RequestCounts{Total: len(e.requests), GrantTypes: map[string]int{}, Paths: map[string]int{}, Errors: map[string]int{}}
	for _, r := range e.requests {
		c.Paths[r.Path]++
		if r.GrantType != "" {
			c.GrantTypes[r.GrantType]++
		}
		if r.Error != "" {
			c.Errors[r.Error]++
		}
	}
	return c
}
