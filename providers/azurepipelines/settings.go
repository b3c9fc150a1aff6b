package azurepipelines

import (
	"net/url"

	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// job is what the running pipeline job supplies beyond the request: the
// service connection to sign in with, and the job's OIDC endpoint with the
// token that authorizes calls to it.
type job struct {
	connectionID string
	accessToken  string
	oidcURL      *url.URL
}

// jobOf checks every setting before any traffic, naming the flag or
// variable to set for each missing one.
func jobOf(req *sdk.Request) (*job, error) {
	switch {
	case req.Legacy:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "login mode azurepipelines does not support --legacy: federated credentials get v2 tokens only; remove --legacy")
	case req.PoP != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "login mode azurepipelines does not support PoP tokens: remove --pop-enabled and --pop-claims")
	case req.ClientID == "":
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no client ID: set --client-id or AZURESUBSCRIPTION_CLIENT_ID")
	case req.TenantID == "":
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no tenant ID: set --tenant-id or AZURESUBSCRIPTION_TENANT_ID")
	case req.Extra["service_connection_id"] == "":
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no service connection ID: set --azure-pipelines-service-connection-id or AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
	case len(req.Scopes) == 0:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	if _, err := authority.URL(req.AuthorityHost, req.TenantID); err != nil {
		return nil, err
	}
	// The host reads the job's variables into the request. System.AccessToken
	// is a secret variable, so Azure Pipelines only exposes it to a task that
	// maps it explicitly.
	tok := req.Credentials.OIDCRequestToken
	if tok == "" {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "SYSTEM_ACCESSTOKEN is not set: map it into the task's env (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))")
	}
	raw := req.Credentials.OIDCRequestURL
	if raw == "" {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "SYSTEM_OIDCREQUESTURI is not set: login mode azurepipelines works only inside an Azure Pipelines job, which sets it")
	}
	// The job's access token goes to this URL, so never in clear text.
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "SYSTEM_OIDCREQUESTURI %q is not an https URL", raw)
	}
	return &job{connectionID: req.Extra["service_connection_id"], accessToken: tok, oidcURL: u}, nil
}
