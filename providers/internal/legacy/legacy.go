// Package legacy speaks Entra ID's v1 (ADAL-era) OAuth endpoints, which MSAL
// and azidentity no longer do. --legacy needs them: a v1 token is requested
// for a resource, and its audience keeps the "spn:" prefix that old AAD
// integrated clusters validate.
package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Client requests v1 tokens for one application and resource.
type Client struct {
	HTTP      *http.Client
	Authority string // "<authority host><tenant>", see authority.URL
	ClientID  string
	Resource  string

	// wait pauses between device code polls; nil means a timer. Tests
	// in this package replace it to observe the intervals.
	wait func(ctx context.Context, d time.Duration) error
}

// Token is a v1 token response.
type Token struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	ExpiresAt    time.Time
	// Account is the signed-in user named by the id_token, for display.
	Account string
}

// ClientCredentials runs the client credentials grant for a service principal.
func (c *Client) ClientCredentials(ctx context.Context, cred Credential) (*Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if err := cred.addTo(form, c.ClientID, authority.V1Token(c.Authority)); err != nil {
		return nil, err
	}
	return c.token(ctx, form)
}

// Refresh redeems a refresh token from an earlier sign-in.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	return c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

func (c *Client) token(ctx context.Context, form url.Values) (*Token, error) {
	status, body, err := c.postToken(ctx, form)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, entraerr.FromResponse(status, body)
	}
	return parseToken(body)
}

func (c *Client) postToken(ctx context.Context, form url.Values) (int, []byte, error) {
	form.Set("client_id", c.ClientID)
	form.Set("resource", c.Resource)
	return c.post(ctx, authority.V1Token(c.Authority), form)
}

// post sends form and returns the reply; only transport failures are errors.
func (c *Client) post(ctx context.Context, endpoint string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"?api-version=1.0", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, sdk.Errorf(sdk.CodeInvalidRequest, "build request to %s: %v", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, entraerr.Classify(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && ctx.Err() != nil {
		// A reply cut short by the deadline can end without a read error.
		err = ctx.Err()
	}
	if err != nil {
		return 0, nil, entraerr.Classify(ctx, fmt.Errorf("read reply of %s: %w", endpoint, err))
	}
	return resp.StatusCode, body, nil
}

// number reads v1 replies, which send numbers as strings ("3599").
type number int64

func (n *number) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = number(v)
	return nil
}

func parseToken(body []byte) (*Token, error) {
	var r struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    number `json:"expires_in"`
		ExpiresOn    number `json:"expires_on"`
		IDToken      string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, sdk.Errorf(sdk.CodeUnspecified, "token reply is not valid JSON: %v", err)
	}
	if r.AccessToken == "" {
		return nil, sdk.Errorf(sdk.CodeUnspecified, "token reply has no access_token")
	}
	t := &Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, TokenType: r.TokenType, Account: account(r.IDToken)}
	switch {
	case r.ExpiresOn > 0:
		t.ExpiresAt = time.Unix(int64(r.ExpiresOn), 0)
	case r.ExpiresIn > 0:
		t.ExpiresAt = time.Now().Add(time.Duration(r.ExpiresIn) * time.Second)
	default:
		return nil, sdk.Errorf(sdk.CodeUnspecified, "token reply has neither expires_on nor expires_in")
	}
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	return t, nil
}

// account names the user for display only; the id_token came over TLS from
// the token endpoint, and nothing is authorised on its strength.
func account(idToken string) string {
	if idToken == "" {
		return ""
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(idToken, claims); err != nil {
		return ""
	}
	for _, k := range []string{"upn", "unique_name", "preferred_username", "email"} {
		if s, ok := claims[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
