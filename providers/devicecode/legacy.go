package devicecode

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/legacy"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// legacyState is what a --legacy sign-in keeps between runs. The v1 flow
// has no MSAL cache; its refresh token is all that is needed, and keeping it
// spares users the prompt upstream kubelogin shows on every refresh.
type legacyState struct {
	Version      int    `json:"v"`
	Authority    string `json:"authority"`
	ClientID     string `json:"client_id"`
	Resource     string `json:"resource"`
	RefreshToken string `json:"refresh_token"`
	Account      string `json:"account,omitempty"`
}

const legacyStateVersion = 1

func legacyToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client, ui sdk.UI) (*sdk.Token, error) {
	c := &legacy.Client{HTTP: client, Authority: auth, ClientID: req.ClientID, Resource: req.Resource}
	st := legacyState{Version: legacyStateVersion, Authority: auth, ClientID: req.ClientID, Resource: req.Resource}
	if prev, ok := loadState(req.State); ok && prev.Authority == auth && prev.ClientID == req.ClientID && prev.Resource == req.Resource {
		t, err := c.Refresh(ctx, prev.RefreshToken)
		if err == nil {
			prev.Account = firstNonEmpty(t.Account, prev.Account)
			return prev.token(t), nil
		}
		if sdk.CodeOf(err) != sdk.CodeInteractionRequired {
			return nil, err
		}
		sdk.Logger().Info("refresh needs interaction; starting a device code sign-in", "error", err.Error())
	}
	dc, err := c.StartDeviceCode(ctx)
	if err != nil {
		return nil, err
	}
	if err := ui.DeviceCode(sdk.DeviceCode{VerificationURI: dc.VerificationURL, UserCode: dc.UserCode, ExpiresAt: dc.ExpiresAt, Message: dc.Message}); err != nil {
		return nil, entraerr.Classify(ctx, err)
	}
	t, err := c.PollDeviceCode(ctx, dc)
	if err != nil {
		return nil, err
	}
	st.Account = t.Account
	return st.token(t), nil
}

// token returns t with the state to keep; a reply without a new refresh
// token leaves the old one in force.
func (s legacyState) token(t *legacy.Token) *sdk.Token {
	if t.RefreshToken != "" {
		s.RefreshToken = t.RefreshToken
	}
	out := &sdk.Token{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt, Account: s.Account}
	if s.RefreshToken != "" {
		out.State, _ = json.Marshal(s) // a struct of strings always marshals
	}
	return out
}

func loadState(b []byte) (legacyState, bool) {
	var s legacyState
	if len(b) == 0 || json.Unmarshal(b, &s) != nil || s.Version != legacyStateVersion || s.RefreshToken == "" {
		return legacyState{}, false
	}
	return s, true
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
