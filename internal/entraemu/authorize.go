package entraemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCode is the server-side state of an authorization code.
type authCode struct {
	clientID    string
	tenantID    string
	redirectURI string
	challenge   string
	method      string
	user        User
	mfa         bool
	nonce       string
	expires     time.Time
	redeemed    bool
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><title>Sign in to your account</title></head><body>
<h1>Sign in</h1>
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<label>Email <input id="username" name="username" value="{{.Username}}"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="signin" name="action" value="signin" type="submit">Sign in</button>
<button id="cancel" name="action" value="cancel" type="submit">Cancel</button>
</form></body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><title>Sign in error</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error">{{.}}</p></body></html>
`))

// handleAuthorize implements the authorization code flow's front channel. With Options.AutoLogin it signs
// the login_hint (or default) user in at once; otherwise it shows a login form whose POST comes back here.
// Users registered without a password accept any password.
func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rec := record(r)
	rec.ClientID, rec.Scope, rec.Tenant = q.Get("client_id"), q.Get("scope"), r.PathValue("tenant")
	tenant, ok := e.lookupTenant(r.PathValue("tenant"))
	if !ok {
		e.authorizeErrorPage(w, r, errUnknownTenant(r.PathValue("tenant")))
		return
	}
	client, ok := e.lookupClient(q.Get("client_id"))
	if !ok {
		e.authorizeErrorPage(w, r, errUnknownClient(q.Get("client_id"), tenant.ID))
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirectAllowed(client, redirect) {
		e.authorizeErrorPage(w, r, newError(400, "invalid_request", 50011, "The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'.", q.Get("redirect_uri"), client.ID))
		return
	}
	if q.Get("response_type") != "code" {
		e.redirectError(w, r, redirect, newError(400, "unsupported_response_type", 70005, "The response_type '%s' is not supported.", q.Get("response_type")))
		return
	}
	if _, oe := e.resolveTarget(tenant, false, false, q.Get("scope"), ""); oe != nil {
		e.redirectError(w, r, redirect, oe)
		return
	}
	username := q.Get("login_hint")
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			e.authorizeErrorPage(w, r, errInvalidParam("body"))
			return
		}
		if r.PostForm.Get("action") == "cancel" {
			e.redirectError(w, r, redirect, newError(400, "access_denied", 65004, "User declined to consent to access the app."))
			return
		}
		username = r.PostForm.Get("username")
		user, ok := e.lookupUser(username)
		if !ok || (user.Password != "" && subtle.ConstantTimeCompare([]byte(user.Password), []byte(r.PostForm.Get("password"))) != 1) {
			e.renderLogin(w, r, username, "Your account or password is incorrect.")
			return
		}
		e.redirectCode(w, r, redirect, tenant, client, user)
		return
	}
	if !e.opts.AutoLogin {
		e.renderLogin(w, r, username, "")
		return
	}
	user, ok := e.lookupUser(username)
	if !ok {
		e.redirectError(w, r, redirect, errUnknownUser(tenant.ID))
		return
	}
	e.redirectCode(w, r, redirect, tenant, client, user)
}

// redirectAllowed applies the registered redirect URIs, or for clients without any the public-client rule:
// any http URI on a loopback host, any port.
func redirectAllowed(c *Client, u *url.URL) bool {
	if len(c.RedirectURIs) > 0 {
		for _, allowed := range c.RedirectURIs {
			if allowed == u.String() {
				return true
			}
		}
		return false
	}
	if u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func (e *Emulator) renderLogin(w http.ResponseWriter, r *http.Request, username, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, struct{ Action, Username, Error string }{r.URL.RequestURI(), username, msg})
}

func (e *Emulator) authorizeErrorPage(w http.ResponseWriter, r *http.Request, oe *oauthError) {
	recordError(r, oe)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, fmt.Sprintf("AADSTS%d: %s", oe.code, oe.message))
}

func (e *Emulator) redirectError(w http.ResponseWriter, r *http.Request, redirect *url.URL, oe *oauthError) {
	recordError(r, oe)
	v := url.Values{}
	v.Set("error", oe.err)
	v.Set("error_description", fmt.Sprintf("AADSTS%d: %s", oe.code, oe.message))
	if s := r.URL.Query().Get("state"); s != "" {
		v.Set("state", s)
	}
	e.redirectWith(w, r, redirect, v)
}

func (e *Emulator) redirectCode(w http.ResponseWriter, r *http.Request, redirect *url.URL, tenant *Tenant, client *Client, user *User) {
	q := r.URL.Query()
	code := randomString(48)
	e.mu.Lock()
	e.authCodes[code] = &authCode{
		clientID: client.ID, tenantID: tenant.ID, redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		user: *user, mfa: client.RequireMFA, nonce: q.Get("nonce"), expires: e.nowLocked().Add(10 * time.Minute),
	}
	e.mu.Unlock()
	v := url.Values{}
	v.Set("code", code)
	if s := q.Get("state"); s != "" {
		v.Set("state", s)
	}
	v.Set("session_state", newUUID())
	e.redirectWith(w, r, redirect, v)
}

var formPostPage = template.Must(template.New("form_post").Parse(`<html><head><title>Working...</title></head><body>
<form method="POST" name="hiddenform" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}" />
{{end}}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript>
</form><script language="javascript">document.forms[0].submit();</script></body></html>
`))

// redirectWith returns the result to the client: a 302 with query parameters, or for response_mode=form_post
// (what MSAL asks for) Entra ID's self-submitting HTML form.
func (e *Emulator) redirectWith(w http.ResponseWriter, r *http.Request, redirect *url.URL, v url.Values) {
	if r.URL.Query().Get("response_mode") == "form_post" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = formPostPage.Execute(w, struct {
			Action string
			Fields url.Values
		}{redirect.String(), v})
		return
	}
	u := *redirect
	q := u.Query()
	for k, vals := range v {
		q[k] = vals
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (e *Emulator) authCodeGrant(r *http.Request, tenant *Tenant, v1 bool) (*issueRequest, *oauthError) {
	client, acr, oe := e.authenticateClient(r, tenant, false)
	if oe != nil {
		return nil, oe
	}
	raw := r.PostForm.Get("code")
	if raw == "" {
		return nil, errMissingParam("code")
	}
	e.mu.Lock()
	c, ok := e.authCodes[raw]
	var snapshot authCode
	if ok {
		snapshot = *c
		c.redeemed = true
	}
	now := e.nowLocked()
	e.mu.Unlock()
	switch {
	case !ok || !strings.EqualFold(snapshot.clientID, client.ID) || snapshot.tenantID != tenant.ID:
		return nil, errBadGrant("authorization code")
	case snapshot.redeemed:
		return nil, newError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case now.After(snapshot.expires):
		return nil, newError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case r.PostForm.Get("redirect_uri") != snapshot.redirectURI:
		return nil, newError(400, "invalid_grant", 500112, "The reply address '%s' does not match the reply address '%s' provided when requesting Authorization code.", r.PostForm.Get("redirect_uri"), snapshot.redirectURI)
	case !pkceMatches(snapshot.challenge, snapshot.method, r.PostForm.Get("code_verifier")):
		return nil, newError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	t, oe := e.resolveTarget(tenant, v1, false, r.PostForm.Get("scope"), r.PostForm.Get("resource"))
	if oe != nil {
		return nil, oe
	}
	who := userPrincipal(client, acr, &snapshot.user, snapshot.mfa)
	who.nonce = snapshot.nonce
	return &issueRequest{tenant: tenant, v1: v1, target: t, who: who}, nil
}

// pkceMatches verifies RFC 7636: S256 or plain, and no check when the authorize request had no challenge.
func pkceMatches(challenge, method, verifier string) bool {
	switch {
	case challenge == "":
		return true
	case strings.EqualFold(method, "S256"):
		sum := sha256.Sum256([]byte(verifier))
		return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
	default:
		return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
	}
}
