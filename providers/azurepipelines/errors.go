package azurepipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/azcall"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// noFederationRecord are Entra's replies when no federated identity
// credential of the application matches the token's issuer, subject or
// audience.
var noFederationRecord = []int64{70021, 700211, 700212, 700213}

// classify tells the OIDC endpoint's refusals from Entra ID's: azidentity
// reports both as an AuthenticationFailedError carrying the reply, and
// azcall would read a pipeline's reply as Entra's.
func (j *job) classify(ctx context.Context, err error, tr *azcall.Transport, clientID string) *sdk.Error {
	var afe *azidentity.AuthenticationFailedError
	if ctx.Err() == nil && errors.As(err, &afe) && afe.RawResponse != nil && j.isOIDC(afe.RawResponse.Request) {
		return j.refused(afe.RawResponse)
	}
	return j.explain(azcall.Classify(ctx, err, tr), clientID)
}

func (j *job) isOIDC(r *http.Request) bool {
	return r != nil && r.URL.Host == j.oidcURL.Host && r.URL.Path == j.oidcURL.Path
}

// refused explains a non-OK reply of the OIDC endpoint, with Azure
// DevOps' own message when the reply has one.
func (j *job) refused(resp *http.Response) *sdk.Error {
	var e *sdk.Error
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e = sdk.Errorf(sdk.CodeUnspecified, "Azure Pipelines refused the OIDC token request with HTTP %d: the pipeline's token (SYSTEM_ACCESSTOKEN) lacks permission to use service connection %s; check that SYSTEM_ACCESSTOKEN is this job's $(System.AccessToken) and that the pipeline is authorized to use the service connection", s, j.connectionID)
	case s >= 500 || s == http.StatusTooManyRequests:
		e = sdk.Errorf(sdk.CodeUnavailable, "Azure Pipelines' OIDC endpoint failed with HTTP %d", s)
	default:
		e = sdk.Errorf(sdk.CodeUnspecified, "Azure Pipelines refused the OIDC token request with HTTP %d: check the service connection ID %s (--azure-pipelines-service-connection-id or AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)", s, j.connectionID)
	}
	if m := devOpsMessage(resp); m != "" {
		e.Message += ". Azure DevOps says: " + m
	}
	return e
}

// devOpsMessage is the first line of the "message" Azure DevOps puts in
// its error replies.
func devOpsMessage(resp *http.Response) string {
	body, err := runtime.Payload(resp)
	if err != nil {
		return ""
	}
	var reply struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &reply) != nil {
		return ""
	}
	line, _, _ := strings.Cut(reply.Message, "\n")
	return strings.TrimSpace(line)
}

// explain adds what only this mode knows to Entra's refusals of the
// pipeline's token: which token it was, and where a federation mismatch
// must be fixed.
func (j *job) explain(e *sdk.Error, clientID string) *sdk.Error {
	hint := ""
	switch {
	case e.Code == sdk.CodeExpired:
		hint = fmt.Sprintf("The Azure Pipelines OIDC token for service connection %s had expired when Entra ID received it.", j.connectionID)
	case slices.ContainsFunc(e.AADSTS, func(n int64) bool { return slices.Contains(noFederationRecord, n) }):
		hint = fmt.Sprintf("The OIDC token of service connection %s does not match a federated identity credential of application %s: compare the credential's issuer and subject with the service connection's workload identity federation details", j.connectionID, clientID)
	default:
		return e
	}
	return &sdk.Error{Code: e.Code, Message: e.Message + " " + hint, AADSTS: e.AADSTS}
}
