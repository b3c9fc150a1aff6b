package entraemu

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// grantManagedIdentity is the pseudo grant type recorded for managed identity requests, so Count works
// for them too.
const grantManagedIdentity = "managed_identity"

// handleManagedIdentity serves both the IMDS shape (GET /metadata/identity/oauth2/token with header
// Metadata: true) and the App Service shape (GET /msi/token with X-IDENTITY-HEADER, see IdentityHeader).
// Tokens are v1 app tokens for the default tenant whose audience is the resource exactly as given.
func (e *Emulator) handleManagedIdentity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rec := record(r)
	rec.GrantType, rec.ClientID, rec.Resource, rec.Tenant = grantManagedIdentity, q.Get("client_id"), q.Get("resource"), DefaultTenantID
	fail := func(status int, msg string) {
		rec.Error = "invalid_request"
		writeJSON(w, status, map[string]string{"error": "invalid_request", "error_description": msg})
	}
	header := r.Header.Get("X-IDENTITY-HEADER")
	if !strings.EqualFold(r.Header.Get("Metadata"), "true") &&
		(header == "" || subtle.ConstantTimeCompare([]byte(header), []byte(e.identityHeader)) != 1) {
		fail(http.StatusBadRequest, "Required metadata header not specified")
		return
	}
	resource := strings.TrimSuffix(q.Get("resource"), "/.default")
	if resource == "" {
		fail(http.StatusBadRequest, "Required audience parameter not specified")
		return
	}
	mi, ok := e.findIdentity(q.Get("client_id"), q.Get("object_id")+q.Get("principal_id"), q.Get("msi_res_id")+q.Get("mi_res_id"))
	if !ok {
		fail(http.StatusBadRequest, "Identity not found")
		return
	}
	tenant, _ := e.lookupTenant(DefaultTenantID)
	if oe := e.checkResource(resource, tenant); oe != nil {
		fail(http.StatusBadRequest, oe.Error())
		return
	}
	who := principal{appID: mi.ClientID, acr: acrCertificate, appOID: mi.ObjectID}
	if mi.ResourceID != "" {
		who.extra = map[string]any{"xms_mirid": mi.ResourceID}
	}
	resp, err := e.issue(&issueRequest{tenant: tenant, v1: true, target: target{resource: resource, aud: resource}, who: who})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp["client_id"] = mi.ClientID
	writeJSON(w, http.StatusOK, resp)
}

// findIdentity picks the identity a request names, or the system-assigned one when it names none.
func (e *Emulator) findIdentity(clientID, objectID, resourceID string) (ManagedIdentity, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, mi := range e.identities {
		switch {
		case clientID != "":
			if strings.EqualFold(mi.ClientID, clientID) {
				return mi, true
			}
		case objectID != "":
			if strings.EqualFold(mi.ObjectID, objectID) {
				return mi, true
			}
		case resourceID != "":
			if strings.EqualFold(mi.ResourceID, resourceID) {
				return mi, true
			}
		case mi.SystemAssigned:
			return mi, true
		}
	}
	return ManagedIdentity{}, false
}
