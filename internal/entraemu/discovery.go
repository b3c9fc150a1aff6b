package entraemu

import (
	"net/http"
	"net/url"
	"strings"
)

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", e.handleDiscoveryV2)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", e.handleDiscoveryV1)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", e.handleJWKS)
	mux.HandleFunc("GET /{tenant}/discovery/keys", e.handleJWKS)
	mux.HandleFunc("GET /common/discovery/instance", e.handleInstanceDiscovery)
	mux.HandleFunc("GET /common/UserRealm/{user}", e.handleUserRealm)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", e.handleToken(false))
	mux.HandleFunc("POST /{tenant}/oauth2/token", e.handleToken(true))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", e.handleDeviceCode(false))
	mux.HandleFunc("POST /{tenant}/oauth2/devicecode", e.handleDeviceCode(true))
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", e.handleAuthorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", e.handleAuthorize)
	mux.HandleFunc("GET /devicelogin", e.handleDeviceLogin)
	mux.HandleFunc("POST /devicelogin", e.handleDeviceLogin)
	mux.HandleFunc("GET /metadata/identity/oauth2/token", e.handleManagedIdentity)
	mux.HandleFunc("GET /msi/token", e.handleManagedIdentity)
	e.controlRoutes(mux)
	return e.logRequests(mux)
}

// tenantOrError resolves the {tenant} path segment, answering AADSTS90002 for unknown tenants.
func (e *Emulator) tenantOrError(w http.ResponseWriter, r *http.Request) (*Tenant, bool) {
	name := r.PathValue("tenant")
	record(r).Tenant = name
	t, ok := e.lookupTenant(name)
	if !ok {
		e.writeError(w, r, errUnknownTenant(name))
		return nil, false
	}
	return t, true
}

// discoveryTenant is what discovery documents put where Entra ID puts the tenant: the tenant as named in
// the URL for real tenants, and the {tenantid} placeholder for the multi-tenant aliases.
func discoveryTenant(name string, t *Tenant) string {
	switch strings.ToLower(name) {
	case "common", "organizations":
		return "{tenantid}"
	}
	return t.ID
}

func (e *Emulator) handleDiscoveryV2(w http.ResponseWriter, r *http.Request) {
	t, ok := e.tenantOrError(w, r)
	if !ok {
		return
	}
	name := r.PathValue("tenant")
	base := baseURL(r) + name
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                baseURL(r) + discoveryTenant(name, t) + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

func (e *Emulator) handleDiscoveryV1(w http.ResponseWriter, r *http.Request) {
	t, ok := e.tenantOrError(w, r)
	if !ok {
		return
	}
	name := r.PathValue("tenant")
	base := baseURL(r) + name
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              baseURL(r) + "common/discovery/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"scopes_supported":                      []string{"openid"},
		"issuer":                                "https://sts.windows.net/" + discoveryTenant(name, t) + "/",
		"authorization_endpoint":                base + "/oauth2/authorize",
		"device_authorization_endpoint":         base + "/oauth2/devicecode",
		"end_session_endpoint":                  base + "/oauth2/logout",
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// handleInstanceDiscovery answers MSAL's authority validation (when instance discovery is left on) with the
// emulator's own host as the only alias.
func (e *Emulator) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := "common"
	if auth, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if parts := strings.Split(strings.Trim(auth.Path, "/"), "/"); parts[0] != "" {
			tenant = parts[0]
		}
	}
	record(r).Tenant = tenant
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host},
		}},
	})
}

// handleUserRealm tells MSAL's username/password flow that every account is cloud-managed (no ADFS).
func (e *Emulator) handleUserRealm(w http.ResponseWriter, r *http.Request) {
	_, domain, _ := strings.Cut(r.PathValue("user"), "@")
	if domain == "" {
		domain = DefaultTenantDomain
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"ver":                 "1.0",
		"account_type":        "Managed",
		"domain_name":         domain,
		"cloud_instance_name": "microsoftonline.com",
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	})
}
