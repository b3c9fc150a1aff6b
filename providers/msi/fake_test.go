package msi

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

const identityHeader = "fake-identity-header-value"

// reply is how the fake answers requests for one resource.
type reply struct {
	status int    // 0 means a token
	body   string // sent with status
	hang   bool   // wait until the client gives up
}

// appService is an App Service style managed identity endpoint
// (IDENTITY_ENDPOINT): GET ?resource=&api-version=2019-08-01 with
// X-IDENTITY-HEADER. Replies are chosen by resource, so tests that each
// use their own resource can share it and run in parallel.
type appService struct {
	*httptest.Server
	mu       sync.Mutex
	replies  map[string]reply
	requests map[string][]url.Values
}

// startAppService starts the fake; Close it when done.
func startAppService() *appService {
	f := &appService{replies: map[string]reply{}, requests: map[string][]url.Values{}}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	return f
}

// endpoint is the value of IDENTITY_ENDPOINT.
func (f *appService) endpoint() string { return f.URL + "/msi/token" }

func (f *appService) reply(resource string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[resource] = r
}

// queries returns the query of every request made for resource.
func (f *appService) queries(resource string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.requests[resource]...)
}

func (f *appService) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	resource := q.Get("resource")
	f.mu.Lock()
	f.requests[resource] = append(f.requests[resource], q)
	rep := f.replies[resource]
	f.mu.Unlock()
	switch {
	case r.URL.Path != "/msi/token" || r.Method != http.MethodGet:
		http.NotFound(w, r)
	case r.Header.Get("X-IDENTITY-HEADER") != identityHeader || q.Get("api-version") != "2019-08-01":
		http.Error(w, `{"statusCode":400,"message":"Bad header or api-version"}`, http.StatusBadRequest)
	case rep.hang:
		<-r.Context().Done()
	case rep.status != 0:
		w.WriteHeader(rep.status)
		fmt.Fprint(w, rep.body)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"access_token": "mi-token-for-" + resource + "-as-" + q.Get("client_id") + q.Get("mi_res_id"),
			"expires_on":   strconv.FormatInt(tokenExpiry.Unix(), 10),
			"resource":     resource,
			"token_type":   "Bearer",
		})
	}
}

// tokenExpiry is when every token of the fake expires.
var tokenExpiry = time.Now().Add(time.Hour).Truncate(time.Second)

// certFile writes the fake's certificate for SSL_CERT_FILE.
func (f *appService) certFile(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "fake.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// imdsProxy stands in for everything beyond loopback: as HTTP_PROXY it
// receives what would go to IMDS at 169.254.169.254 and records the target.
// It drops the connection unanswered, like a machine without IMDS, or, when
// it plays IMDS, answers as IMDS does for the identities it knows.
type imdsProxy struct {
	url        string
	identities []string // client ids of user-assigned identities; no system-assigned one
	mu         sync.Mutex
	targets    []string
}

func newIMDSProxy(t testing.TB, identities ...string) *imdsProxy {
	p := &imdsProxy{identities: identities}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *imdsProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.targets = append(p.targets, r.Host)
	p.mu.Unlock()
	q := r.URL.Query()
	switch {
	case p.identities == nil:
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	case r.Header.Get("Metadata") != "true":
		http.Error(w, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`, http.StatusBadRequest)
	case !slices.Contains(p.identities, q.Get("client_id")):
		http.Error(w, `{"error":"invalid_request","error_description":"Identity not found"}`, http.StatusBadRequest)
	default:
		_ = json.NewEncoder(w).Encode(map[string]string{
			"access_token": "imds-token", "expires_on": strconv.FormatInt(tokenExpiry.Unix(), 10),
			"resource": q.Get("resource"), "token_type": "Bearer", "client_id": q.Get("client_id"),
		})
	}
}

func (p *imdsProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}
