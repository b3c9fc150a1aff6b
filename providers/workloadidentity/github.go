package workloadidentity

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// tokenExchangeAudience is the audience Entra ID requires in federated tokens.
const tokenExchangeAudience = "api://AzureADTokenExchange"

// githubActions is a GitHub Actions job's OIDC endpoint, which mints a
// token for the job on request (the workflow needs `id-token: write`).
type githubActions struct {
	client *http.Client
	url    string
	bearer string
}

// githubFromRequest selects the GitHub Actions variant when the host found
// the job's OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN), as
// upstream does: both set wins over a token file.
func githubFromRequest(client *http.Client, c sdk.Credentials) (*githubActions, bool) {
	u, tok := c.OIDCRequestURL, c.OIDCRequestToken
	if u == "" || tok == "" {
		return nil, false
	}
	return &githubActions{client: client, url: u, bearer: tok}, true
}

func (g *githubActions) read(ctx context.Context) (string, error) {
	u, err := url.Parse(g.url)
	if err != nil || u.Host == "" {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
	}
	// Appended, not re-encoded: the URL GitHub hands out already carries
	// a query (api-version=…) that must reach it unchanged.
	q := "audience=" + url.QueryEscape(tokenExchangeAudience)
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "GitHub Actions OIDC token request: %v", err)
	}
	req.Header.Set("Authorization", "bearer "+g.bearer)
	req.Header.Set("Accept", "application/json; api-version=2.0")
	resp, err := g.client.Do(req)
	if err != nil {
		e := entraerr.Classify(ctx, err)
		return "", &sdk.Error{Code: e.Code, Message: "GitHub Actions OIDC token request: " + e.Message}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		e := entraerr.Classify(ctx, err)
		return "", &sdk.Error{Code: e.Code, Message: "GitHub Actions OIDC token reply: " + e.Message}
	}
	if resp.StatusCode != http.StatusOK {
		code := sdk.CodeUnspecified
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			code = sdk.CodeUnavailable
		}
		return "", sdk.Errorf(code, "GitHub Actions refused the OIDC token request with HTTP %d: check that the workflow grants `permissions: id-token: write`", resp.StatusCode)
	}
	var reply struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || reply.Value == "" {
		return "", sdk.Errorf(sdk.CodeUnspecified, "GitHub Actions OIDC token reply holds no token (JSON field \"value\")")
	}
	return reply.Value, nil
}

func (g *githubActions) expired() string {
	return "The GitHub Actions OIDC token had expired when Entra ID received it: re-run the job"
}

func (g *githubActions) String() string { return "GitHub Actions OIDC token" }
