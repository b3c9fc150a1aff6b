// Package settingcheck checks the settings most providers need, with messages
// that name the flag and variables to set, worded the same in every mode.
package settingcheck

import "github.com/kubelogin-dev/kubelogin/sdk"

// ClientAndTenant are what every flow with an application registration needs.
func ClientAndTenant(req *sdk.Request) error {
	switch {
	case req.ClientID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client ID: set --client-id, AAD_SERVICE_PRINCIPAL_CLIENT_ID or AZURE_CLIENT_ID")
	case req.TenantID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no tenant ID: set --tenant-id or AZURE_TENANT_ID")
	}
	return nil
}

// Target is what to ask a token for: v2 scopes, or with --legacy a v1 resource.
func Target(req *sdk.Request) error {
	switch {
	case req.Legacy && req.Resource == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no resource for a --legacy token: set --server-id")
	case !req.Legacy && len(req.Scopes) == 0:
		return sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	return nil
}

// PoPKey checks a PoP request names the host's key.
func PoPKey(req *sdk.Request) error {
	if req.PoP != nil && req.PoP.ReqCnf == "" {
		return sdk.Errorf(sdk.CodeInvalidRequest, "PoP request has no key confirmation (req_cnf)")
	}
	return nil
}

// First returns the first failed check, so a provider lists its checks in
// the order the user should fix them.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
