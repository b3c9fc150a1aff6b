package msi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// imdsURL is where MSAL sends IMDS token requests; it has no override.
const imdsURL = "http://169.254.169.254/metadata/identity/oauth2/token"

// imdsProbeTimeout bounds the wait for IMDS to answer at all. Off Azure the
// link-local address often swallows packets, and azidentity would then
// retry for a minute before failing. IMDS answers locally within
// milliseconds; the margin is for busy hosts and pod identity proxies.
const imdsProbeTimeout = 3 * time.Second

// noEndpoint is what a user without a managed identity sees.
func noEndpoint() *sdk.Error {
	return sdk.Errorf(sdk.CodeUnavailable,
		"no managed identity endpoint answered: msi works only on Azure VMs, App Service, Arc or Cloud Shell; use another login mode here")
}

// probeIMDS sends one malformed request (no Metadata header) to IMDS, as
// azidentity's DefaultAzureCredential does: any HTTP answer means IMDS is
// there; none within imdsProbeTimeout means this machine has no managed
// identity.
func probeIMDS(ctx context.Context, client *http.Client) error {
	pctx, cancel := context.WithTimeout(ctx, imdsProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, imdsURL, nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeUnspecified, "building the IMDS probe: %v", err)
	}
	resp, err := client.Do(req)
	switch {
	case err == nil:
		resp.Body.Close()
		return nil
	case ctx.Err() != nil:
		return entraerr.Cancelled(ctx)
	case errors.Is(err, context.DeadlineExceeded):
		sdk.Logger().Debug("IMDS did not answer", "timeout", imdsProbeTimeout)
	default:
		sdk.Logger().Debug("IMDS is unreachable", "error", err.Error())
	}
	return noEndpoint()
}
