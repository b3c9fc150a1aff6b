package entraemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Grant types, as sent in grant_type.
const (
	grantClientCredentials = "client_credentials"
	grantPassword          = "password"
	grantRefreshToken      = "refresh_token"
	grantAuthCode          = "authorization_code"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantDeviceCodeV1      = "device_code" // ADAL's spelling on the v1 endpoint
)

// graphResource is Microsoft Graph, the resource of bare scopes such as "User.Read".
const graphResource = "00000003-0000-0000-c000-000000000000"

var (
	guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	oidcScopes  = []string{"openid", "profile", "offline_access", "email"}
)

// target is what a token is for: the audience and the scopes granted.
type target struct {
	resource      string // the resource as the client named it
	aud           string
	scp           string // delegated scopes in the token
	granted       string // the v2 "scope" response field
	openID        bool   // an ID token was asked for (v2 "openid"; always for v1 user flows)
	offlineAccess bool   // a refresh token was asked for (v2 "offline_access"; always for v1 user flows)
}

// resolveTarget interprets scope (v2) or resource (v1). v1 audiences follow the legacy rule: a bare
// resource ID becomes "spn:<id>"; a URI or an explicit "spn:" value is kept as given.
func (e *Emulator) resolveTarget(tenant *Tenant, v1, appOnly bool, scope, resource string) (target, *oauthError) {
	var t target
	if v1 {
		if resource == "" {
			return t, errMissingParam("resource")
		}
		t = target{resource: resource, aud: resource, scp: "user_impersonation", openID: true, offlineAccess: true}
		if !strings.Contains(resource, "://") && !strings.HasPrefix(resource, "spn:") {
			t.aud = "spn:" + resource
		}
		return t, e.checkResource(strings.TrimPrefix(resource, "spn:"), tenant)
	}
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return t, errMissingParam("scope")
	}
	var names, granted []string
	for _, s := range fields {
		switch {
		case s == "openid":
			t.openID = true
		case s == "offline_access":
			t.offlineAccess = true
		case slices.Contains(oidcScopes, s):
		default:
			res, name := graphResource, s
			if i := strings.LastIndex(s, "/"); i > 0 {
				res, name = s[:i], s[i+1:]
			}
			if t.resource != "" && t.resource != res {
				return t, errMultipleResources()
			}
			if appOnly && name != ".default" {
				return t, errAppScope(s)
			}
			t.resource = res
			names = append(names, name)
			granted = append(granted, s)
		}
	}
	if t.resource == "" {
		t.resource, names = graphResource, []string{"User.Read"}
	}
	t.aud = t.resource
	t.granted = strings.Join(granted, " ")
	t.scp = strings.Join(names, " ")
	if t.scp == ".default" {
		t.scp = "user_impersonation"
	}
	return t, e.checkResource(t.resource, tenant)
}

// checkResource rejects GUID resources that are not registered, like Entra ID does for a wrong server ID.
func (e *Emulator) checkResource(resource string, tenant *Tenant) *oauthError {
	if !guidPattern.MatchString(resource) || strings.EqualFold(resource, graphResource) {
		return nil
	}
	if _, ok := e.lookupClient(resource); !ok {
		return errUnknownResource(resource, tenant.ID)
	}
	return nil
}

// principal is who a token is about: a user signed in to a client, or the client (or a managed identity) itself.
type principal struct {
	appID  string
	acr    string
	appOID string
	roles  []string
	user   *User
	mfa    bool
	nonce  string
	extra  map[string]any // additional claims, e.g. xms_mirid for managed identities
}

type issueRequest struct {
	issuerV2   string // v2 iss for this request's host (see IssuerV2)
	tenant     *Tenant
	v1         bool
	target     target
	who        principal
	popKid     string
	clientInfo bool
}

func (e *Emulator) handleToken(v1 bool) http.HandlerFunc {
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
		var req *issueRequest
		var oe *oauthError
		switch grant := r.PostForm.Get("grant_type"); grant {
		case grantClientCredentials:
			req, oe = e.clientCredentialsGrant(r, tenant, v1)
		case grantPassword:
			req, oe = e.passwordGrant(r, tenant, v1)
		case grantRefreshToken:
			req, oe = e.refreshTokenGrant(r, tenant, v1)
		case grantAuthCode:
			req, oe = e.authCodeGrant(r, tenant, v1)
		case grantDeviceCode, grantDeviceCodeV1:
			req, oe = e.deviceCodeGrant(r, tenant, v1)
		case "":
			oe = errMissingParam("grant_type")
		default:
			oe = errUnsupportedGrant(grant)
		}
		if oe == nil && !v1 {
			oe = applyPoP(r, req)
		}
		if oe != nil {
			e.writeError(w, r, oe)
			return
		}
		req.clientInfo = r.PostForm.Get("client_info") == "1"
		req.issuerV2 = baseURL(r) + req.tenant.ID + "/v2.0"
		resp, err := e.issue(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// applyPoP binds the token to the key named in req_cnf when the client asks for token_type=pop.
func applyPoP(r *http.Request, req *issueRequest) *oauthError {
	if r.PostForm.Get("token_type") != "pop" {
		return nil
	}
	raw := r.PostForm.Get("req_cnf")
	if raw == "" {
		return errMissingParam("req_cnf")
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(raw, "="))
	if err != nil {
		return errInvalidParam("req_cnf")
	}
	var cnf struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(data, &cnf); err != nil || cnf.Kid == "" {
		return errInvalidParam("req_cnf")
	}
	req.popKid = cnf.Kid
	return nil
}

func (e *Emulator) clientCredentialsGrant(r *http.Request, tenant *Tenant, v1 bool) (*issueRequest, *oauthError) {
	client, acr, oe := e.authenticateClient(r, tenant, true)
	if oe != nil {
		return nil, oe
	}
	t, oe := e.resolveTarget(tenant, v1, true, r.PostForm.Get("scope"), r.PostForm.Get("resource"))
	if oe != nil {
		return nil, oe
	}
	t.openID, t.offlineAccess = false, false
	return &issueRequest{tenant: tenant, v1: v1, target: t, who: appPrincipal(client, acr)}, nil
}

func appPrincipal(c *Client, acr string) principal {
	return principal{appID: c.ID, acr: acr, appOID: c.ObjectID, roles: c.Roles}
}

func userPrincipal(c *Client, acr string, u *User, mfa bool) principal {
	return principal{appID: c.ID, acr: acr, user: u, mfa: mfa}
}

func (e *Emulator) passwordGrant(r *http.Request, tenant *Tenant, v1 bool) (*issueRequest, *oauthError) {
	client, acr, oe := e.authenticateClient(r, tenant, false)
	if oe != nil {
		return nil, oe
	}
	t, oe := e.resolveTarget(tenant, v1, false, r.PostForm.Get("scope"), r.PostForm.Get("resource"))
	if oe != nil {
		return nil, oe
	}
	username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	if username == "" {
		return nil, errMissingParam("username")
	}
	user, ok := e.lookupUser(username)
	if !ok {
		return nil, errUnknownUser(tenant.ID)
	}
	if user.Password == "" || subtle.ConstantTimeCompare([]byte(password), []byte(user.Password)) != 1 {
		return nil, errBadCredentials()
	}
	if client.RequireMFA {
		return nil, errMFARequired(t.aud)
	}
	return &issueRequest{tenant: tenant, v1: v1, target: t, who: userPrincipal(client, acr, user, false)}, nil
}

// refreshGrant is the server-side state of a refresh token.
type refreshGrant struct {
	clientID string
	tenantID string
	resource string // v1 resource, reused when a v1 refresh omits it
	user     User
	mfa      bool
	expires  time.Time
	revoked  bool
}

func (e *Emulator) refreshTokenGrant(r *http.Request, tenant *Tenant, v1 bool) (*issueRequest, *oauthError) {
	client, acr, oe := e.authenticateClient(r, tenant, false)
	if oe != nil {
		return nil, oe
	}
	raw := r.PostForm.Get("refresh_token")
	if raw == "" {
		return nil, errMissingParam("refresh_token")
	}
	e.mu.Lock()
	rt, ok := e.refreshTokens[raw]
	var g refreshGrant
	if ok {
		g = *rt
	}
	now := e.nowLocked()
	e.mu.Unlock()
	switch {
	case !ok || !strings.EqualFold(g.clientID, client.ID) || g.tenantID != tenant.ID:
		return nil, errBadGrant("refresh token")
	case g.revoked:
		return nil, errRefreshRevoked()
	case now.After(g.expires):
		return nil, errRefreshExpired()
	}
	resource := r.PostForm.Get("resource")
	if resource == "" {
		resource = g.resource
	}
	t, oe := e.resolveTarget(tenant, v1, false, r.PostForm.Get("scope"), resource)
	if oe != nil {
		return nil, oe
	}
	if client.RequireMFA && !g.mfa {
		return nil, errMFARequired(t.aud)
	}
	t.offlineAccess = true // a refresh always rotates the refresh token
	return &issueRequest{tenant: tenant, v1: v1, target: t, who: userPrincipal(client, acr, &g.user, g.mfa)}, nil
}

// issue mints the access token and, for user flows, the refresh token, ID token and client_info, in the v2
// (numbers) or v1 (strings, resource, expires_on) response shape.
func (e *Emulator) issue(req *issueRequest) (map[string]any, error) {
	e.mu.Lock()
	now, life, rtLife := e.nowLocked(), e.atLifetime, e.rtLifetime
	e.mu.Unlock()
	at, err := e.keys.sign(e.accessClaims(req, now, life))
	if err != nil {
		return nil, err
	}
	seconds := int64(life / time.Second)
	resp := map[string]any{"access_token": at, "token_type": "Bearer"}
	if req.popKid != "" {
		resp["token_type"] = "pop"
	}
	if req.v1 {
		resp["expires_in"] = strconv.FormatInt(seconds, 10)
		resp["ext_expires_in"] = strconv.FormatInt(seconds, 10)
		resp["expires_on"] = strconv.FormatInt(now.Add(life).Unix(), 10)
		resp["not_before"] = strconv.FormatInt(now.Unix(), 10)
		resp["resource"] = req.target.resource
	} else {
		resp["expires_in"] = seconds
		resp["ext_expires_in"] = seconds
		if req.target.granted != "" {
			resp["scope"] = req.target.granted
		}
	}
	u := req.who.user
	if u == nil {
		return resp, nil
	}
	if req.v1 {
		resp["scope"] = req.target.scp
	}
	if req.target.offlineAccess {
		rt := randomString(48)
		e.mu.Lock()
		e.refreshTokens[rt] = &refreshGrant{
			clientID: req.who.appID, tenantID: req.tenant.ID, resource: req.target.resource,
			user: *u, mfa: req.who.mfa, expires: now.Add(rtLife),
		}
		e.mu.Unlock()
		resp["refresh_token"] = rt
	}
	if req.target.openID {
		id, err := e.keys.sign(e.idClaims(req, now))
		if err != nil {
			return nil, err
		}
		resp["id_token"] = id
	}
	if req.clientInfo && !req.v1 {
		ci, _ := json.Marshal(map[string]string{"uid": u.OID, "utid": req.tenant.ID})
		resp["client_info"] = base64.RawURLEncoding.EncodeToString(ci)
	}
	return resp, nil
}

func (e *Emulator) accessClaims(req *issueRequest, now time.Time, life time.Duration) jwt.MapClaims {
	who := req.who
	c := jwt.MapClaims{
		"aud": req.target.aud,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(life).Unix(),
		"tid": req.tenant.ID,
		"uti": randomString(16),
		"rh":  "0." + randomString(24),
	}
	if req.v1 {
		c["iss"], c["ver"], c["appid"], c["appidacr"] = e.IssuerV1(req.tenant.ID), "1.0", who.appID, who.acr
		c["idp"] = e.IssuerV1(req.tenant.ID)
	} else {
		c["iss"], c["ver"], c["azp"], c["azpacr"] = req.issuerV2, "2.0", who.appID, who.acr
	}
	if u := who.user; u != nil {
		c["oid"], c["sub"], c["name"], c["upn"], c["scp"] = u.OID, pairwiseSubject(u.OID, who.appID), u.Name, u.UPN, req.target.scp
		if req.v1 {
			c["unique_name"] = u.UPN
			c["amr"] = []string{"pwd"}
			if who.mfa {
				c["amr"] = []string{"pwd", "mfa"}
			}
		} else {
			c["preferred_username"] = u.UPN
		}
		if len(u.Groups) > 0 {
			c["groups"] = u.Groups
		}
	} else {
		c["oid"], c["sub"], c["idtyp"] = who.appOID, who.appOID, "app"
		if len(who.roles) > 0 {
			c["roles"] = who.roles
		}
	}
	for k, v := range who.extra {
		c[k] = v
	}
	if req.popKid != "" {
		c["cnf"] = map[string]any{"kid": req.popKid}
	}
	return c
}

func (e *Emulator) idClaims(req *issueRequest, now time.Time) jwt.MapClaims {
	u := req.who.user
	c := jwt.MapClaims{
		"aud":  req.who.appID,
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  now.Add(time.Hour).Unix(),
		"tid":  req.tenant.ID,
		"oid":  u.OID,
		"sub":  pairwiseSubject(u.OID, req.who.appID),
		"name": u.Name,
	}
	if req.v1 {
		c["iss"], c["ver"], c["upn"], c["unique_name"] = e.IssuerV1(req.tenant.ID), "1.0", u.UPN, u.UPN
	} else {
		c["iss"], c["ver"], c["preferred_username"] = req.issuerV2, "2.0", u.UPN
	}
	if req.who.nonce != "" {
		c["nonce"] = req.who.nonce
	}
	return c
}

// pairwiseSubject mimics Entra ID's per-application subject identifiers.
func pairwiseSubject(oid, appID string) string {
	sum := sha256.Sum256([]byte(oid + "|" + strings.ToLower(appID)))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:43]
}
