package entraemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// controlPrefix is where the control API lives. It is unauthenticated: the emulator only listens on
// loopback and exists for tests.
const controlPrefix = "/_emulator/"

// Control API bodies, shared by the server and Remote.
type (
	deviceCodeAction struct {
		UserCode string `json:"user_code"`
		UPN      string `json:"upn,omitempty"`
	}
	lifetimes struct {
		AccessToken  string `json:"access_token,omitempty"`
		RefreshToken string `json:"refresh_token,omitempty"`
	}
	clockAdvance struct {
		By string `json:"by"`
	}
	mfaPolicy struct {
		ClientID string `json:"client_id"`
		Require  bool   `json:"require"`
	}
	countResult struct {
		Count int `json:"count"`
	}
	revokeResult struct {
		Revoked int `json:"revoked"`
	}
)

func (e *Emulator) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+controlPrefix+"requests", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, e.Requests())
	})
	mux.HandleFunc("GET "+controlPrefix+"requests/counts", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, e.Counts())
	})
	mux.HandleFunc("DELETE "+controlPrefix+"requests", func(w http.ResponseWriter, _ *http.Request) {
		e.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+controlPrefix+"count", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("path_suffix") {
			writeJSON(w, http.StatusOK, countResult{e.CountPath(q.Get("path_suffix"))})
			return
		}
		writeJSON(w, http.StatusOK, countResult{e.Count(q.Get("grant_type"))})
	})
	mux.HandleFunc("GET "+controlPrefix+"device-codes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, append([]DeviceCodeIssued{}, e.PendingDeviceCodes()...))
	})
	mux.HandleFunc("POST "+controlPrefix+"device-codes/approve", control(func(a deviceCodeAction) (any, error) {
		return nil, e.ApproveDeviceCodeAs(a.UserCode, a.UPN)
	}))
	mux.HandleFunc("POST "+controlPrefix+"device-codes/deny", control(func(a deviceCodeAction) (any, error) {
		return nil, e.DenyDeviceCode(a.UserCode)
	}))
	mux.HandleFunc("POST "+controlPrefix+"token-lifetime", control(func(l lifetimes) (any, error) {
		at, err := optionalDuration(l.AccessToken)
		if err != nil {
			return nil, err
		}
		rt, err := optionalDuration(l.RefreshToken)
		if err != nil {
			return nil, err
		}
		if at > 0 {
			e.SetAccessTokenLifetime(at)
		}
		if rt > 0 {
			e.SetRefreshTokenLifetime(rt)
		}
		return nil, nil
	}))
	mux.HandleFunc("POST "+controlPrefix+"refresh-tokens/revoke", control(func(struct{}) (any, error) {
		return revokeResult{e.RevokeRefreshTokens()}, nil
	}))
	mux.HandleFunc("POST "+controlPrefix+"clock/advance", control(func(c clockAdvance) (any, error) {
		d, err := time.ParseDuration(c.By)
		if err != nil {
			return nil, fmt.Errorf("by: %w", err)
		}
		e.AdvanceClock(d)
		return nil, nil
	}))
	mux.HandleFunc("POST "+controlPrefix+"clients/require-mfa", control(func(p mfaPolicy) (any, error) {
		return nil, e.SetRequireMFA(p.ClientID, p.Require)
	}))
}

// control adapts a typed action to a JSON handler: 400 with {"error": …} when the body or the action fails,
// else 200 with the result (or {}).
func control[T any](action func(T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "decode body: " + err.Error()})
			return
		}
		out, err := action(in)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if out == nil {
			out = struct{}{}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func optionalDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse lifetime %q: %w", s, err)
	}
	return d, nil
}
