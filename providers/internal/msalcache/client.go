package msalcache

import (
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// PublicClient builds the MSAL public client the user flows share: its token
// cache is the request's state, so what MSAL learns travels back to the host.
func PublicClient(req *sdk.Request, authority string, client *http.Client) (public.Client, *Blob, error) {
	blob := New(req.State)
	app, err := public.New(req.ClientID,
		public.WithAuthority(authority),
		public.WithCache(blob),
		public.WithInstanceDiscovery(!req.DisableInstanceDiscovery),
		public.WithHTTPClient(client))
	if err != nil {
		return public.Client{}, nil, sdk.Errorf(sdk.CodeInvalidRequest, "authority %s: %v", authority, err)
	}
	return app, blob, nil
}
