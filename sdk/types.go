package sdk

import (
	"context"
	"fmt"
	"time"
)

// Info describes a provider to the host and to `kubelogin providers list`.
type Info struct {
	Name    string
	Version string
	// Modes declares every login mode the provider serves (see ModeSpec).
	Modes []ModeSpec
	// LoginModes and Capabilities are what hosts that predate mode specs
	// read. Leave them empty: Serve fills them from Modes (the names, and
	// the union of the modes' capabilities).
	LoginModes   []string
	Capabilities Capabilities
}

// Mode returns the spec of the named login mode.
func (i Info) Mode(name string) (ModeSpec, bool) {
	for _, m := range i.Modes {
		if m.LoginMode == name {
			return m, true
		}
	}
	return ModeSpec{}, false
}

// Derived returns i with LoginModes and Capabilities filled from Modes where
// they are empty, so hosts reading either form see the same provider.
func (i Info) Derived() Info {
	if len(i.LoginModes) == 0 {
		for _, m := range i.Modes {
			i.LoginModes = append(i.LoginModes, m.LoginMode)
		}
	}
	if i.Capabilities == (Capabilities{}) {
		for _, m := range i.Modes {
			c := m.Capabilities
			i.Capabilities.Interactive = i.Capabilities.Interactive || c.Interactive
			i.Capabilities.PoP = i.Capabilities.PoP || c.PoP
			i.Capabilities.Legacy = i.Capabilities.Legacy || c.Legacy
			i.Capabilities.Stateful = i.Capabilities.Stateful || c.Stateful
		}
	}
	return i
}

// Capabilities tell the host which requests a mode can serve, so it can
// refuse early with a clear message instead of failing at the identity
// provider.
type Capabilities struct {
	Interactive bool // may prompt the user (device code, browser)
	PoP         bool // can request Proof-of-Possession tokens
	Legacy      bool // can request v1 tokens with a resource (spn: audience)
	Stateful    bool // returns refresh state the host keeps between runs
}

// Request is one token request with every setting already resolved by the
// host: providers read no flags and none of kubelogin's settings variables
// (the host removes them from a provider's environment); everything else in
// the environment (proxies, CA bundles, a provider's own variables) reaches
// them as it reached kubelogin.
type Request struct {
	LoginMode string
	TenantID  string
	ClientID  string
	// Scopes are the v2 scopes to request, e.g. "<server-id>/.default".
	Scopes []string
	// Legacy asks for a v1 token for Resource instead of Scopes.
	Legacy   bool
	Resource string
	// AuthorityHost ends with a slash, e.g. "https://login.microsoftonline.com/".
	AuthorityHost            string
	DisableInstanceDiscovery bool
	Credentials              Credentials
	LoginHint                string
	RedirectURL              string
	// Timeout is what the host allows for the whole request. Standard input
	// is never available to a provider: a flow that needs a person asks
	// through the UI.
	Timeout time.Duration
	// State is what this provider returned with its last token, or nil.
	State []byte
	// PoP, when set, asks for a Proof-of-Possession token bound to the
	// host's key; the host signs the final PoP wrapper itself.
	PoP   *PoPRequest
	Extra map[string]string
}

// Format shows the settings without secrets or state, so a provider can log
// a request as a whole.
func (r Request) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{mode:%s tenant:%s client:%s scopes:%v legacy:%t resource:%s authority:%s credentials:%v login_hint:%q state:%d bytes pop:%t timeout:%s}",
		r.LoginMode, r.TenantID, r.ClientID, r.Scopes, r.Legacy, r.Resource, r.AuthorityHost,
		r.Credentials, r.LoginHint, len(r.State), r.PoP != nil, r.Timeout)
}

// PoPRequest carries the request confirmation the identity provider binds a
// PoP access token to.
type PoPRequest struct {
	ReqCnf string
}

// Credentials are the secrets and references a flow may need. Their
// formatted form is always redacted so they cannot leak into logs.
type Credentials struct {
	ClientSecret              string
	ClientCertificatePath     string
	ClientCertificatePassword string
	Username                  string
	Password                  string
	FederatedTokenFile        string
	IdentityResourceID        string
	// OIDCRequestURL and OIDCRequestToken are a CI job's endpoint for
	// federated tokens and the bearer token that authorizes calls to it,
	// which the host reads from the job's variables (GitHub Actions:
	// ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN; Azure Pipelines:
	// SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN). The token is a secret.
	OIDCRequestURL   string
	OIDCRequestToken string
}

// Format redacts secrets under every verb, %v and %#v included.
func (c Credentials) Format(f fmt.State, _ rune) {
	mark := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	fmt.Fprintf(f, "{client_secret:%s certificate:%q certificate_password:%s username:%q password:%s federated_token_file:%q identity_resource_id:%q oidc_request_url:%q oidc_request_token:%s}",
		mark(c.ClientSecret), c.ClientCertificatePath, mark(c.ClientCertificatePassword), c.Username,
		mark(c.Password), c.FederatedTokenFile, c.IdentityResourceID, c.OIDCRequestURL, mark(c.OIDCRequestToken))
}

// Token is the result of a successful request.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
	// State is handed back in the next Request; nil means none.
	State []byte
	// Account names who the token was issued to, for display only.
	Account string
}

// Format redacts the access token and state.
func (t Token) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{expires:%s account:%q state:%d bytes}", t.ExpiresAt.UTC().Format(time.RFC3339), t.Account, len(t.State))
}

// DeviceCode is what the user needs to complete a device code sign-in.
type DeviceCode struct {
	VerificationURI string
	UserCode        string
	ExpiresAt       time.Time
	// Message is the identity provider's own wording, shown when present.
	Message string
}

// UI is how a provider talks to the user: the host renders each call on the
// user's terminal (kubectl passes it stderr), so providers never print.
type UI interface {
	Message(text string) error
	DeviceCode(dc DeviceCode) error
	OpenURL(url, purpose string) error
	Progress(text string) error
}

// Provider implements one or more login modes.
type Provider interface {
	Describe() Info
	GetToken(ctx context.Context, req *Request, ui UI) (*Token, error)
}
