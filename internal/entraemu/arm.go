package entraemu

import (
	"net/http"
	"strings"
)

// AzureCLIClientID is the Azure CLI's public client: register it (Public) so the real `az login` can sign in.
const AzureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// armRoutes is the little of Azure Resource Manager that `az login` reads: the subscriptions and tenants the
// signed-in identity can see. Any bearer token is accepted; only its presence is checked.
func (p *Proxy) armRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /subscriptions", p.armAuth(func(w http.ResponseWriter, _ *http.Request) {
		value := make([]map[string]any, 0, len(p.subs))
		for _, s := range p.subs {
			value = append(value, map[string]any{
				"id": "/subscriptions/" + s.ID, "subscriptionId": s.ID, "tenantId": s.TenantID,
				"displayName": s.Name, "state": "Enabled", "authorizationSource": "RoleBased", "managedByTenants": []any{},
				"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": value})
	}))
	mux.HandleFunc("GET /tenants", p.armAuth(func(w http.ResponseWriter, _ *http.Request) {
		seen := map[string]bool{}
		value := []map[string]any{}
		for _, s := range p.subs {
			if seen[s.TenantID] {
				continue
			}
			seen[s.TenantID] = true
			value = append(value, map[string]any{"id": "/tenants/" + s.TenantID, "tenantId": s.TenantID,
				"tenantCategory": "Home", "displayName": "kubelogin test", "defaultDomain": DefaultTenantDomain})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": value})
	}))
	return mux
}

func (p *Proxy) armAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || tok == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]string{
				"code": "AuthenticationFailed", "message": "Authentication failed. The 'Authorization' header is missing.",
			}})
			return
		}
		next(w, r)
	}
}
