package providertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// checkSpecs applies the well-formedness rules the host applies to a
// provider's declaration.
func checkSpecs(info sdk.Info) error {
	if len(info.Modes) == 0 {
		return errors.New("Describe declares no mode specs: declare each login mode in Info.Modes")
	}
	var errs []error
	var names []string
	for _, m := range info.Modes {
		if slices.Contains(names, m.LoginMode) {
			errs = append(errs, fmt.Errorf("login mode %q is declared twice", m.LoginMode))
		}
		names = append(names, m.LoginMode)
		errs = append(errs, m.Validate())
	}
	if !slices.Equal(info.LoginModes, names) {
		errs = append(errs, fmt.Errorf("login_modes %q differ from the specs' modes %q", info.LoginModes, names))
	}
	return errors.Join(errs...)
}

// checkExpiry: the host serves an opaque token until the expiry the
// provider gives, so one without an expiry could never be cached.
func checkExpiry(info sdk.Info, req *sdk.Request, r Result) error {
	m, ok := info.Mode(req.LoginMode)
	if r.Err != nil || r.Token == nil || !ok || m.Token != sdk.TokenOpaque || !r.Token.ExpiresAt.IsZero() {
		return nil
	}
	return fmt.Errorf("login mode %s declares an opaque token but returned one without an expiry: set Token.ExpiresAt", m.LoginMode)
}

// omission is one request with one required thing left out.
type omission struct {
	what string
	req  *sdk.Request
}

// refusalTimeout bounds a request the provider should refuse at once: one
// it does not refuse runs into the black hole and fails with a timeout.
const refusalTimeout = time.Second

// omissions builds, for mode m, one request per required setting,
// credential and provider arg, each lacking exactly that. base is a request
// the provider accepts, or nil; what it lacks of the required ones is filled
// with placeholders. Every request points at authority, a server that never
// answers, so a provider that does not refuse cannot reach a real one.
func omissions(m sdk.ModeSpec, base *sdk.Request, authority string) []omission {
	full := complete(m, base)
	full.AuthorityHost, full.DisableInstanceDiscovery, full.Timeout = authority, true, refusalTimeout
	full.State = nil

	var out []omission
	without := func(what string, edit func(*sdk.Request)) {
		r := full
		r.Extra = maps.Clone(full.Extra)
		edit(&r)
		out = append(out, omission{what: what, req: &r})
	}
	for _, s := range m.Settings {
		if s.Required {
			without("its "+s.Setting.String(), func(r *sdk.Request) { clearSetting(r, s.Setting) })
		}
	}
	if m.CredentialRequired {
		without("a credential", func(r *sdk.Request) { r.Credentials = clearCredentials(r.Credentials) })
		if slices.Contains(m.Credentials, sdk.CredentialUsernamePassword) {
			for _, half := range []string{"username", "password"} {
				without("a "+half+" (the other half given)", func(r *sdk.Request) {
					r.Credentials = clearCredentials(r.Credentials)
					placeCredential(&r.Credentials, sdk.CredentialUsernamePassword)
					if half == "username" {
						r.Credentials.Username = ""
					} else {
						r.Credentials.Password = ""
					}
				})
			}
		}
	}
	for _, a := range m.Args {
		if a.Required {
			without("provider arg "+a.Name, func(r *sdk.Request) { delete(r.Extra, a.Name) })
		}
	}
	return out
}

// complete returns base (nil: an empty request) for mode m with what m
// requires and base lacks filled with placeholders.
func complete(m sdk.ModeSpec, base *sdk.Request) sdk.Request {
	full := sdk.Request{LoginMode: m.LoginMode}
	if base != nil && base.LoginMode == m.LoginMode {
		full = *base
		full.Extra = maps.Clone(base.Extra)
	}
	for _, s := range m.Settings {
		if s.Required {
			placeSetting(&full, s.Setting)
		}
	}
	if m.CredentialRequired && !hasCredential(full.Credentials, m.Credentials) {
		placeCredential(&full.Credentials, m.Credentials[0])
	}
	for _, a := range m.Args {
		if a.Required && full.Extra[a.Name] == "" {
			if full.Extra == nil {
				full.Extra = map[string]string{}
			}
			full.Extra[a.Name] = "kit-placeholder"
		}
	}
	return full
}

// checkRefusals sends each omission and expects CodeInvalidRequest.
func checkRefusals(p *Provider, oms []omission, mode string, slack time.Duration) ([]Result, error) {
	var results []Result
	var errs []error
	for _, o := range oms {
		ctx, cancel := context.WithTimeout(context.Background(), refusalTimeout+slack)
		r := p.GetToken(ctx, o.req)
		cancel()
		results = append(results, r)
		if code := sdk.CodeOf(r.Err); code != sdk.CodeInvalidRequest {
			errs = append(errs, fmt.Errorf("login mode %s: a request without %s got %v (%s), want code %s naming what to set",
				mode, o.what, r.Err, code, sdk.CodeInvalidRequest))
		}
	}
	return results, errors.Join(errs...)
}

func placeSetting(r *sdk.Request, s sdk.Setting) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	switch s {
	case sdk.SettingServerID:
		if len(r.Scopes) == 0 {
			r.Scopes = []string{"kit-server/.default"}
		}
		set(&r.Resource, "kit-server")
	case sdk.SettingClientID:
		set(&r.ClientID, "00000000-0000-0000-0000-00000000c11e")
	case sdk.SettingTenantID:
		set(&r.TenantID, "00000000-0000-0000-0000-0000000073e7")
	case sdk.SettingLoginHint:
		set(&r.LoginHint, "kit@example.com")
	case sdk.SettingRedirectURL:
		set(&r.RedirectURL, "http://localhost")
	case sdk.SettingFederatedTokenFile:
		set(&r.Credentials.FederatedTokenFile, "/nonexistent/kit-federated-token")
	case sdk.SettingIdentityResourceID:
		set(&r.Credentials.IdentityResourceID, "/subscriptions/kit/resourceGroups/kit/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kit")
	}
}

func clearSetting(r *sdk.Request, s sdk.Setting) {
	switch s {
	case sdk.SettingServerID:
		r.Scopes, r.Resource = nil, ""
	case sdk.SettingClientID:
		r.ClientID = ""
	case sdk.SettingTenantID:
		r.TenantID = ""
	case sdk.SettingAuthorityHost, sdk.SettingEnvironment:
		// The host resolves either into AuthorityHost.
		r.AuthorityHost, r.DisableInstanceDiscovery = "", false
	case sdk.SettingLoginHint:
		r.LoginHint = ""
	case sdk.SettingRedirectURL:
		r.RedirectURL = ""
	case sdk.SettingFederatedTokenFile:
		r.Credentials.FederatedTokenFile = ""
	case sdk.SettingIdentityResourceID:
		r.Credentials.IdentityResourceID = ""
	}
}

func hasCredential(c sdk.Credentials, kinds []sdk.CredentialKind) bool {
	for _, k := range kinds {
		switch {
		case k == sdk.CredentialClientSecret && c.ClientSecret != "",
			k == sdk.CredentialClientCertificate && c.ClientCertificatePath != "",
			k == sdk.CredentialUsernamePassword && c.Username != "" && c.Password != "":
			return true
		}
	}
	return false
}

// The placeholders are long enough for the output checks to look for them.
func placeCredential(c *sdk.Credentials, k sdk.CredentialKind) {
	switch k {
	case sdk.CredentialClientSecret:
		c.ClientSecret = "kit-placeholder-secret"
	case sdk.CredentialClientCertificate:
		c.ClientCertificatePath, c.ClientCertificatePassword = "/nonexistent/kit-certificate.pem", "kit-placeholder-password"
	case sdk.CredentialUsernamePassword:
		c.Username, c.Password = "kit@example.com", "kit-placeholder-password"
	}
}

// clearCredentials drops the secrets, keeping the settings that travel in
// Credentials.
func clearCredentials(c sdk.Credentials) sdk.Credentials {
	return sdk.Credentials{FederatedTokenFile: c.FederatedTokenFile, IdentityResourceID: c.IdentityResourceID}
}
