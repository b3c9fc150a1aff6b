// Package authority builds Entra ID authority and endpoint URLs from the
// host's resolved authority host, the same way for MSAL, azidentity and the
// v1 endpoints, so sovereign clouds and emulators work in every flow.
package authority

import (
	"net/url"
	"strings"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// URL returns "<host><tenant>", the authority MSAL expects. host must be an
// https URL; a missing trailing slash is tolerated.
func URL(host, tenant string) (string, error) {
	u, err := url.Parse(host)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "authority host %q is not an https URL: set --authority-host or --environment", host)
	}
	if tenant == "" || strings.ContainsAny(tenant, "/?#") {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "tenant ID %q is not valid: set --tenant-id or AZURE_TENANT_ID", tenant)
	}
	return strings.TrimSuffix(host, "/") + "/" + url.PathEscape(tenant), nil
}

// V1Token is the ADAL-era token endpoint under authority, the only one that
// accepts a resource instead of scopes.
func V1Token(authority string) string { return authority + "/oauth2/token" }

// V1DeviceCode is the ADAL-era device authorization endpoint under authority.
func V1DeviceCode(authority string) string { return authority + "/oauth2/devicecode" }
