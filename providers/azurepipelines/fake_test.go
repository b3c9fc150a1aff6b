package azurepipelines

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
)

const (
	connectionID = "0b7e3c1d-9a4f-4e2b-8c6d-5f1a2b3c4d5e"
	// forbiddenID is a service connection the pipeline may not use.
	forbiddenID = "7d1e9f3a-2b4c-4d6e-8f0a-1b2c3d4e5f6a"
	appID       = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
	// accessToken is the job's System.AccessToken.
	accessToken = "job-access-token-4f7d2c9e"
	// subject is what Azure DevOps puts in a service connection's tokens.
	subject = "sc://contoso/aks-infra/aks-deploy"
	// oidcPath is where a job's SYSTEM_OIDCREQUESTURI points.
	oidcPath = "/contoso/aks-infra/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken"
)

// pipeline is an Entra ID emulator with an application federated with a
// service connection, and a job's OIDC endpoint that mints that
// connection's tokens, both over loopback TLS from the emulator's CA.
type pipeline struct {
	em     *entraemu.Emulator
	issuer *entraemu.FederatedIssuer
	oidc   *httptest.Server

	mu    sync.Mutex
	calls []*http.Request
	// subject and lifetime shape the tokens minted; a negative lifetime
	// mints expired ones.
	subject  string
	lifetime time.Duration
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	iss, err := entraemu.NewFederatedIssuer("https://vstoken.dev.azure.com/2c5e8f1a-7b3d-4e9c-a6f0-1d2b3c4e5f6a")
	if err != nil {
		t.Fatal(err)
	}
	em := emutest.Start(t, entraemu.Options{}, func(em *entraemu.Emulator) {
		em.AddClient(entraemu.Client{ID: appID, Name: "aks-deploy", FederatedCredentials: []entraemu.FederatedCredential{iss.Credential(subject)}})
	})
	p := &pipeline{em: em, issuer: iss, subject: subject, lifetime: 10 * time.Minute}
	p.oidc = httptest.NewUnstartedServer(http.HandlerFunc(p.serveOIDC))
	if p.oidc.TLS, err = em.CA().ServerTLSConfig(); err != nil {
		t.Fatal(err)
	}
	p.oidc.StartTLS()
	t.Cleanup(p.oidc.Close)
	return p
}

// oidcURI is the job's SYSTEM_OIDCREQUESTURI.
func (p *pipeline) oidcURI() string {
	return p.oidc.URL + oidcPath
}

// serveOIDC answers as Azure DevOps does: a POST for the job's service
// connection, authorized by the job's access token.
func (p *pipeline) serveOIDC(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.calls = append(p.calls, r.Clone(r.Context()))
	sub, lifetime := p.subject, p.lifetime
	p.mu.Unlock()
	q := r.URL.Query()
	switch {
	case r.Header.Get("Authorization") != "Bearer "+accessToken:
		devOpsError(w, http.StatusUnauthorized, "TF400813: The user is not authorized to access this resource.")
	case r.Method != http.MethodPost || r.URL.Path != oidcPath || q.Get("api-version") != "7.1":
		devOpsError(w, http.StatusBadRequest, "bad request")
	case q.Get("serviceConnectionId") == forbiddenID:
		devOpsError(w, http.StatusForbidden, "TF400813: The user is not authorized to access this resource.")
	case q.Get("serviceConnectionId") != connectionID:
		devOpsError(w, http.StatusNotFound, "Service connection not found.")
	default:
		exp := p.em.Now().Add(lifetime)
		tok, err := p.issuer.Token(sub, exp.Add(-time.Hour), exp)
		if err != nil {
			devOpsError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"oidcToken": tok})
	}
}

func devOpsError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"$id": "1", "innerException": nil, "message": msg, "typeName": "Microsoft.VisualStudio.Services.Common.VssServiceException"})
}

// set changes the tokens the OIDC endpoint mints from now on.
func (p *pipeline) set(subject string, lifetime time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.subject, p.lifetime = subject, lifetime
}

// oidcCalls lists the requests the OIDC endpoint received.
func (p *pipeline) oidcCalls() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*http.Request(nil), p.calls...)
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
