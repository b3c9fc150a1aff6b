package entraemu

import (
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DeviceCodeIssued tells a test or the demo that a device code was handed out, so it can approve or deny it
// the way a user in a browser would. It carries no secret: the device code itself stays in the emulator.
type DeviceCodeIssued struct {
	UserCode        string    `json:"user_code"`
	ClientID        string    `json:"client_id"`
	Tenant          string    `json:"tenant"`
	Scope           string    `json:"scope,omitempty"`
	Resource        string    `json:"resource,omitempty"`
	VerificationURI string    `json:"verification_uri"`
	IssuedAt        time.Time `json:"issued_at"`
	ExpiresAt       time.Time `json:"expires_at"`
}

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceRedeemed
)

type deviceGrant struct {
	info     DeviceCodeIssued
	clientID string
	tenantID string
	state    deviceState
	user     *User
	mfa      bool
}

// DeviceCodes delivers every issued device code. The channel is buffered (64); when nobody drains it,
// further notices are dropped rather than blocking the token endpoint.
func (e *Emulator) DeviceCodes() <-chan DeviceCodeIssued { return e.deviceCh }

// PendingDeviceCodes lists device codes that are neither approved, denied, redeemed nor expired.
func (e *Emulator) PendingDeviceCodes() []DeviceCodeIssued {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	var out []DeviceCodeIssued
	for _, g := range e.deviceCodes {
		if g.state == devicePending && now.Before(g.info.ExpiresAt) {
			out = append(out, g.info)
		}
	}
	return out
}

// ApproveDeviceCode signs the default user in for userCode, as if they had entered it in a browser.
func (e *Emulator) ApproveDeviceCode(userCode string) error {
	return e.ApproveDeviceCodeAs(userCode, "")
}

// ApproveDeviceCodeAs signs the user with the given UPN in for userCode ("" means DefaultUserUPN).
func (e *Emulator) ApproveDeviceCodeAs(userCode, upn string) error {
	user, ok := e.lookupUser(upn)
	if !ok {
		return fmt.Errorf("approve device code: user %q is not registered", upn)
	}
	return e.settleDeviceCode(userCode, deviceApproved, user)
}

// DenyDeviceCode declines userCode; the polling client gets authorization_declined.
func (e *Emulator) DenyDeviceCode(userCode string) error {
	return e.settleDeviceCode(userCode, deviceDenied, nil)
}

func (e *Emulator) settleDeviceCode(userCode string, state deviceState, user *User) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.userCodes[strings.ToUpper(strings.TrimSpace(userCode))]
	if !ok {
		return fmt.Errorf("device code %q is unknown", userCode)
	}
	if g.state != devicePending {
		return fmt.Errorf("device code %q was already used", userCode)
	}
	if !e.nowLocked().Before(g.info.ExpiresAt) {
		return fmt.Errorf("device code %q has expired", userCode)
	}
	g.state, g.user = state, user
	if c, ok := e.clients[strings.ToLower(g.clientID)]; ok && user != nil {
		// Signing in interactively satisfies the client's MFA policy, if it has one at this moment.
		g.mfa = c.RequireMFA
	}
	return nil
}

func (e *Emulator) handleDeviceCode(v1 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant, ok := e.tenantOrError(w, r)
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil {
			e.writeError(w, r, errInvalidParam("body"))
			return
		}
		recordForm(r)
		client, _, oe := e.authenticateClient(r, tenant, false)
		if oe != nil {
			e.writeError(w, r, oe)
			return
		}
		scope, resource := r.PostForm.Get("scope"), r.PostForm.Get("resource")
		if _, oe := e.resolveTarget(tenant, v1, false, scope, resource); oe != nil {
			e.writeError(w, r, oe)
			return
		}
		deviceCode, userCode := randomString(48), newUserCode()
		e.mu.Lock()
		now := e.nowLocked()
		g := &deviceGrant{
			info: DeviceCodeIssued{
				UserCode: userCode, ClientID: client.ID, Tenant: tenant.ID, Scope: scope, Resource: resource,
				VerificationURI: baseURL(r) + "devicelogin", IssuedAt: now, ExpiresAt: now.Add(e.opts.DeviceCodeLifetime),
			},
			clientID: client.ID,
			tenantID: tenant.ID,
		}
		e.deviceCodes[deviceCode] = g
		e.userCodes[userCode] = g
		if d := e.opts.AutoApproveDeviceCodeAfter; d > 0 && !e.closed {
			e.timers = append(e.timers, time.AfterFunc(d, func() { _ = e.ApproveDeviceCode(userCode) }))
		}
		e.mu.Unlock()
		select {
		case e.deviceCh <- g.info:
		default:
		}
		expires := int64(e.opts.DeviceCodeLifetime / time.Second)
		interval := int64(e.opts.DeviceCodePollInterval / time.Second)
		message := fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", g.info.VerificationURI, userCode)
		if v1 {
			// The v1 endpoint spells the URL field verification_url and sends numbers as strings.
			writeJSON(w, http.StatusOK, map[string]any{
				"user_code": userCode, "device_code": deviceCode, "verification_url": g.info.VerificationURI,
				"expires_in": strconv.FormatInt(expires, 10), "interval": strconv.FormatInt(interval, 10), "message": message,
			})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"user_code": userCode, "device_code": deviceCode, "verification_uri": g.info.VerificationURI,
			"expires_in": expires, "interval": interval, "message": message,
		})
	}
}

// newUserCode returns a 9-character code from an alphabet without look-alikes, like Entra ID's.
func newUserCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (e *Emulator) deviceCodeGrant(r *http.Request, tenant *Tenant, v1 bool) (*issueRequest, *oauthError) {
	client, acr, oe := e.authenticateClient(r, tenant, false)
	if oe != nil {
		return nil, oe
	}
	code := r.PostForm.Get("device_code")
	if code == "" {
		code = r.PostForm.Get("code") // ADAL
	}
	if code == "" {
		return nil, errMissingParam("device_code")
	}
	e.mu.Lock()
	g, ok := e.deviceCodes[code]
	var snapshot deviceGrant
	var oeState *oauthError
	switch {
	case !ok || !strings.EqualFold(g.clientID, client.ID) || g.tenantID != tenant.ID:
		oeState = errBadDeviceCode()
	case !e.nowLocked().Before(g.info.ExpiresAt):
		oeState = errDeviceCodeExpired()
	case g.state == devicePending:
		oeState = errPending()
	case g.state == deviceDenied:
		oeState = errDeclined()
	case g.state == deviceRedeemed:
		oeState = errBadDeviceCode()
	default:
		g.state = deviceRedeemed
		snapshot = *g
	}
	e.mu.Unlock()
	if oeState != nil {
		return nil, oeState
	}
	scope, resource := r.PostForm.Get("scope"), r.PostForm.Get("resource")
	if scope == "" && resource == "" {
		scope, resource = snapshot.info.Scope, snapshot.info.Resource
	}
	t, oe := e.resolveTarget(tenant, v1, false, scope, resource)
	if oe != nil {
		return nil, oe
	}
	return &issueRequest{tenant: tenant, v1: v1, target: t, who: userPrincipal(client, acr, snapshot.user, snapshot.mfa)}, nil
}

var deviceLoginPage = template.Must(template.New("devicelogin").Parse(`<!DOCTYPE html>
<html><head><title>Enter code</title></head><body>
<h1>Enter code</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
<form method="post" action="/devicelogin">
<label>Code <input id="otc" name="otc" autocomplete="off"></label>
<label>Sign in as <input id="username" name="username" value="{{.Username}}"></label>
<button id="approve" name="action" value="approve" type="submit">Next</button>
<button id="deny" name="action" value="deny" type="submit">Cancel</button>
</form></body></html>
`))

// handleDeviceLogin is the verification page a person (or a headless browser) uses to enter a user code.
func (e *Emulator) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	data := struct{ Message, Username string }{Username: DefaultUserUPN}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		code, upn := r.PostForm.Get("otc"), r.PostForm.Get("username")
		settle, done := func() error { return e.ApproveDeviceCodeAs(code, upn) }, "You have signed in. You can close this window."
		if r.PostForm.Get("action") == "deny" {
			settle, done = func() error { return e.DenyDeviceCode(code) }, "Sign-in was declined. You can close this window."
		}
		err := settle()
		data.Message = done
		data.Username = upn
		if err != nil {
			data.Message = err.Error()
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = deviceLoginPage.Execute(w, data)
}
