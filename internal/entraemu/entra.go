// Package entraemu is an in-process Microsoft Entra ID emulator for tests and the demo. It serves, over HTTPS on
// loopback, the endpoints MSAL Go and azidentity call (OIDC discovery, JWKS, instance discovery, the v2 and v1
// token and device code endpoints, authorize with PKCE, user realm, managed identity) and issues RS256 JWTs an
// API server can really validate. Real clients reach it the way users reach a sovereign cloud: authority host
// URL() plus disabled instance discovery, with the test CA trusted.
package entraemu

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// Well-known identifiers, so tests and kubeconfigs look like the ones `az aks get-credentials` writes.
const (
	// DefaultTenantID is the fixed test tenant every emulator knows.
	DefaultTenantID = "8a2f4d6e-1b3c-4e5f-9a7b-0c1d2e3f4a5b"
	// DefaultTenantDomain is the verified domain of DefaultTenantID; it also works in authority URLs.
	DefaultTenantDomain = "kubelogin-test.onmicrosoft.com"
	// AKSServerID is the AKS managed Entra ID server application (the token audience).
	AKSServerID = "6dae42f8-4368-4678-94ff-3960e28e3630"
	// AKSClientID is the public client Azure CLI and kubelogin use against AKS.
	AKSClientID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"
	// DefaultUserUPN is the user every emulator knows; it approves device codes and signs in at the authorize
	// endpoint unless a test names another user.
	DefaultUserUPN = "alice@" + DefaultTenantDomain
	// TokenExchangeAudience is the audience Entra ID requires in workload identity federated tokens.
	TokenExchangeAudience = "api://AzureADTokenExchange"
)

// Options configure an Emulator; the zero value gives a working emulator with defaults suited to tests.
type Options struct {
	// CA signs the server certificate; nil creates a fresh one (see Emulator.CA).
	CA *testca.CA
	// Addr is the listen address; default 127.0.0.1:0.
	Addr string
	// ExtraDNSNames are added to the server certificate, e.g. login.microsoftonline.com for proxy tests.
	ExtraDNSNames []string
	// SigningKey signs tokens; nil generates an RSA-2048 key. Sharing one across emulators saves test time.
	SigningKey *rsa.PrivateKey
	// AccessTokenLifetime defaults to 1h; change it later with SetAccessTokenLifetime.
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime is the inactivity lifetime of refresh tokens; default 24h.
	RefreshTokenLifetime time.Duration
	// DeviceCodeLifetime defaults to 15 minutes, like Entra ID.
	DeviceCodeLifetime time.Duration
	// DeviceCodePollInterval is the advertised polling interval, whole seconds; default 1s.
	DeviceCodePollInterval time.Duration
	// AutoApproveDeviceCodeAfter approves each device code as the default user this long after issue; 0 never.
	AutoApproveDeviceCodeAfter time.Duration
	// AutoLogin makes the authorize endpoint sign in the login_hint (or default) user without showing a form.
	AutoLogin bool
	// Now is the clock; default time.Now. AdvanceClock shifts it further.
	Now func() time.Time
}

// Emulator is a running (after Start) Entra ID stand-in. All methods are safe for concurrent use.
type Emulator struct {
	opts     Options
	ca       *testca.CA
	keys     *signer
	srv      *http.Server
	url      string
	deviceCh chan DeviceCodeIssued
	// identityHeader is the App Service managed identity secret (IDENTITY_HEADER).
	identityHeader string

	mu            sync.Mutex
	tenants       map[string]*Tenant // by lower-case ID and domain
	clients       map[string]*Client // by lower-case ID
	users         map[string]*User   // by lower-case UPN
	identities    []ManagedIdentity
	refreshTokens map[string]*refreshGrant
	deviceCodes   map[string]*deviceGrant // by device code
	userCodes     map[string]*deviceGrant // by upper-case user code
	authCodes     map[string]*authCode
	atLifetime    time.Duration
	rtLifetime    time.Duration
	clockOffset   time.Duration
	requests      []Request
	timers        []*time.Timer
	closed        bool
}

// Tenant is a directory; Domain is an alternative name usable in authority URLs.
type Tenant struct {
	ID     string
	Domain string
}

// Client is an app registration. It doubles as a resource: scopes "<ID>/.default" are only granted for
// registered IDs, which is how a wrong --server-id surfaces as AADSTS500011.
type Client struct {
	ID   string
	Name string
	// Secret enables client_secret authentication.
	Secret string
	// Certificate enables client_assertion authentication signed by its key (RS256 or PS256).
	Certificate *x509.Certificate
	// Public marks a public client (device code, interactive, ROPC without a credential).
	Public bool
	// RequireMFA simulates a conditional access policy: non-interactive user grants (ROPC, refresh of a session
	// that did not satisfy MFA) fail with AADSTS50076.
	RequireMFA bool
	// ObjectID is the service principal object ID used as oid/sub of app tokens; derived from ID if empty.
	ObjectID string
	// Roles are app roles placed in the roles claim of app-only tokens.
	Roles []string
	// RedirectURIs allowed at the authorize endpoint; empty allows any http loopback URI, as for public clients.
	RedirectURIs []string
	// FederatedCredentials trust external tokens for workload identity.
	FederatedCredentials []FederatedCredential
}

// User is a directory user, known in every tenant. OID is derived from UPN if empty. A user without a
// Password cannot use ROPC, and the login form accepts any password for them.
type User struct {
	UPN      string
	Password string
	OID      string
	Name     string
	Groups   []string
}

// ManagedIdentity is an identity served by the managed identity endpoint. A system-assigned identity is used
// when a request names none.
type ManagedIdentity struct {
	ClientID       string
	ObjectID       string
	ResourceID     string
	SystemAssigned bool
}

// New prepares an emulator with the default tenant registered; register clients and users, then Start it.
func New(opts Options) (*Emulator, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = time.Hour
	}
	if opts.RefreshTokenLifetime <= 0 {
		opts.RefreshTokenLifetime = 24 * time.Hour
	}
	if opts.DeviceCodeLifetime <= 0 {
		opts.DeviceCodeLifetime = 15 * time.Minute
	}
	if opts.DeviceCodePollInterval <= 0 {
		opts.DeviceCodePollInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ca := opts.CA
	if ca == nil {
		var err error
		if ca, err = testca.New(); err != nil {
			return nil, fmt.Errorf("entra emulator: %w", err)
		}
	}
	keys, err := newSigner(opts.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("entra emulator: %w", err)
	}
	e := &Emulator{
		opts:           opts,
		ca:             ca,
		keys:           keys,
		deviceCh:       make(chan DeviceCodeIssued, 64),
		identityHeader: randomString(24),
		tenants:        map[string]*Tenant{},
		clients:        map[string]*Client{},
		users:          map[string]*User{},
		refreshTokens:  map[string]*refreshGrant{},
		deviceCodes:    map[string]*deviceGrant{},
		userCodes:      map[string]*deviceGrant{},
		authCodes:      map[string]*authCode{},
		atLifetime:     opts.AccessTokenLifetime,
		rtLifetime:     opts.RefreshTokenLifetime,
	}
	e.AddTenant(Tenant{ID: DefaultTenantID, Domain: DefaultTenantDomain})
	e.AddUser(User{UPN: DefaultUserUPN, Name: "Alice Tester"})
	return e, nil
}

// Start listens on Options.Addr and serves HTTPS in the background.
func (e *Emulator) Start() error {
	tlsConf, err := e.ca.ServerTLSConfig(e.opts.ExtraDNSNames...)
	if err != nil {
		return fmt.Errorf("entra emulator: %w", err)
	}
	ln, err := net.Listen("tcp", e.opts.Addr)
	if err != nil {
		return fmt.Errorf("entra emulator: listen on %s: %w", e.opts.Addr, err)
	}
	e.url = "https://" + ln.Addr().String() + "/"
	e.srv = &http.Server{
		Handler:           e.routes(),
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          discardLogger(),
	}
	go func() { _ = e.srv.ServeTLS(ln, "", "") }()
	return nil
}

// Close stops the server and pending auto-approvals.
func (e *Emulator) Close() error {
	e.mu.Lock()
	e.closed = true
	for _, t := range e.timers {
		t.Stop()
	}
	e.mu.Unlock()
	if e.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("entra emulator: shutdown: %w", err)
	}
	return nil
}

// URL is the authority host with a trailing slash, e.g. https://127.0.0.1:PORT/, for --authority-host and
// azidentity's Cloud.ActiveDirectoryAuthorityHost.
func (e *Emulator) URL() string { return e.url }

// CA is the authority that signed the server certificate; clients must trust it.
func (e *Emulator) CA() *testca.CA { return e.ca }

// Authority is URL()+tenant, the authority MSAL clients take.
func (e *Emulator) Authority(tenant string) string { return e.url + tenant }

// IssuerV2 is the iss of v2 tokens for tenant: the emulator's own URL, so discovery-based validation works.
// Discovery documents and tokens use the host name the client called, so through a proxy that presents the
// emulator as login.microsoftonline.com the issuer is https://login.microsoftonline.com/<tenant>/v2.0.
func (e *Emulator) IssuerV2(tenant string) string { return e.url + tenant + "/v2.0" }

// IssuerV1 is the iss of v1 tokens. Like Entra ID it is https://sts.windows.net/<tenant>/, a host the emulator
// does not serve: validators must take keys from JWKSURL rather than discovering them from this issuer.
func (e *Emulator) IssuerV1(tenant string) string { return "https://sts.windows.net/" + tenant + "/" }

// JWKSURL is where the token signing keys are published.
func (e *Emulator) JWKSURL(tenant string) string { return e.url + tenant + "/discovery/v2.0/keys" }

// IdentityHeader is the secret to put in IDENTITY_HEADER when pointing IDENTITY_ENDPOINT at ManagedIdentityURL.
func (e *Emulator) IdentityHeader() string { return e.identityHeader }

// ManagedIdentityURL is an App Service style managed identity endpoint (IDENTITY_ENDPOINT).
func (e *Emulator) ManagedIdentityURL() string { return e.url + "msi/token" }

// Now is the emulator's clock including AdvanceClock offsets; share it with validators that must agree.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nowLocked()
}

func (e *Emulator) nowLocked() time.Time { return e.opts.Now().Add(e.clockOffset) }

// baseURL is the emulator's URL as the client addressed it (see IssuerV2).
func baseURL(r *http.Request) string { return "https://" + r.Host + "/" }

// AdvanceClock moves the emulator's clock forward, e.g. to expire refresh tokens or device codes.
func (e *Emulator) AdvanceClock(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clockOffset += d
}

// SetAccessTokenLifetime changes the lifetime of tokens issued from now on.
func (e *Emulator) SetAccessTokenLifetime(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.atLifetime = d
}

// SetRefreshTokenLifetime changes the inactivity lifetime of refresh tokens issued from now on.
func (e *Emulator) SetRefreshTokenLifetime(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rtLifetime = d
}

// AddTenant registers a tenant.
func (e *Emulator) AddTenant(t Tenant) {
	t.ID = strings.ToLower(t.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tenants[t.ID] = &t
	if t.Domain != "" {
		e.tenants[strings.ToLower(t.Domain)] = &t
	}
}

// AddClient registers (or replaces) an app registration, valid in every tenant like a multi-tenant app,
// and returns it with derived fields (ObjectID) filled in.
func (e *Emulator) AddClient(c Client) Client {
	if c.ObjectID == "" {
		c.ObjectID = stableUUID("sp:" + c.ID)
	}
	c.Roles = append([]string(nil), c.Roles...)
	c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
	c.FederatedCredentials = append([]FederatedCredential(nil), c.FederatedCredentials...)
	stored := c
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clients[strings.ToLower(c.ID)] = &stored
	return c
}

// SetRequireMFA turns the simulated conditional access policy of a client on or off.
func (e *Emulator) SetRequireMFA(clientID string, require bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.clients[strings.ToLower(clientID)]
	if !ok {
		return fmt.Errorf("client %s is not registered", clientID)
	}
	c.RequireMFA = require
	return nil
}

// AddUser registers (or replaces) a user and returns it with derived fields filled in. Replacing
// DefaultUserUPN is how a test gives the default user a password.
func (e *Emulator) AddUser(u User) User {
	if u.OID == "" {
		u.OID = stableUUID("user:" + strings.ToLower(u.UPN))
	}
	if u.Name == "" {
		u.Name, _, _ = strings.Cut(u.UPN, "@")
	}
	u.Groups = append([]string(nil), u.Groups...)
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(u.UPN)
	e.users[key] = &u
	return u
}

// AddManagedIdentity registers an identity for the managed identity endpoint.
func (e *Emulator) AddManagedIdentity(mi ManagedIdentity) ManagedIdentity {
	if mi.ObjectID == "" {
		mi.ObjectID = stableUUID("mi:" + mi.ClientID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.identities = append(e.identities, mi)
	return mi
}

// IssuedRefreshTokens returns every refresh token issued so far, so a test can check that none is stored
// anywhere in clear. The request log never records them; this is the only way out.
func (e *Emulator) IssuedRefreshTokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.refreshTokens))
	for rt := range e.refreshTokens {
		out = append(out, rt)
	}
	return out
}

// RevokeRefreshTokens revokes every refresh token issued so far (like "revoke sessions") and reports how many.
func (e *Emulator) RevokeRefreshTokens() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, rt := range e.refreshTokens {
		if !rt.revoked {
			rt.revoked = true
			n++
		}
	}
	return n
}

func (e *Emulator) lookupTenant(name string) (*Tenant, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch strings.ToLower(name) {
	case "common", "organizations":
		name = DefaultTenantID
	}
	t, ok := e.tenants[strings.ToLower(name)]
	return t, ok
}

func (e *Emulator) lookupClient(id string) (*Client, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.clients[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	cp := *c
	return &cp, true
}

func (e *Emulator) lookupUser(upn string) (*User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if upn == "" {
		upn = DefaultUserUPN
	}
	u, ok := e.users[strings.ToLower(upn)]
	if !ok {
		return nil, false
	}
	cp := *u
	return &cp, true
}
