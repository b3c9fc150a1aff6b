package entraemu

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Browser is a scripted person at a web browser for the interactive (authorization code) flow: it opens the
// authorize URL, signs in on the emulator's login page and submits the form_post response to the client's
// redirect URI, all without JavaScript. Use it as the "open URL" hook of MSAL or a browser-command stand-in.
type Browser struct {
	// HTTPClient must trust the emulator's CA; it follows redirects.
	HTTPClient *http.Client
	// Username and Password are typed into the login page; an empty Username keeps the login_hint.
	Username, Password string
}

var (
	formPattern  = regexp.MustCompile(`(?is)<form([^>]*)>(.*?)</form>`)
	inputPattern = regexp.MustCompile(`(?is)<input([^>]*)>`)
	attrPattern  = regexp.MustCompile(`(?is)([a-z_-]+)="([^"]*)"`)
	errorPattern = regexp.MustCompile(`(?is)<p id="error">(.*?)</p>`)
)

// Open browses from authorizeURL until a page without a form (the client's "done" page) and fails on an
// HTTP error or a rejected sign-in.
func (b *Browser) Open(ctx context.Context, authorizeURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	for range 5 {
		resp, err := b.HTTPClient.Do(req)
		if err != nil {
			return fmt.Errorf("browser: %w", err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return fmt.Errorf("browser: read %s: %w", resp.Request.URL.Redacted(), err)
		}
		page := string(body)
		if m := errorPattern.FindStringSubmatch(page); m != nil {
			return fmt.Errorf("browser: sign-in failed: %s", html.UnescapeString(m[1]))
		}
		if resp.StatusCode >= 400 {
			return fmt.Errorf("browser: %s returned %s", resp.Request.URL.Redacted(), resp.Status)
		}
		action, values, ok := b.fill(page)
		if !ok {
			return nil
		}
		target, err := resp.Request.URL.Parse(action)
		if err != nil {
			return fmt.Errorf("browser: form action %q: %w", action, err)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(values.Encode()))
		if err != nil {
			return fmt.Errorf("browser: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return errors.New("browser: too many forms")
}

// fill completes the page's form: hidden fields as they are, credentials on the login form.
func (b *Browser) fill(page string) (string, url.Values, bool) {
	m := formPattern.FindStringSubmatch(page)
	if m == nil {
		return "", nil, false
	}
	action := html.UnescapeString(attrs(m[1])["action"])
	values := url.Values{}
	login := false
	for _, in := range inputPattern.FindAllStringSubmatch(m[2], -1) {
		a := attrs(in[1])
		switch {
		case a["type"] == "hidden":
			values.Set(a["name"], html.UnescapeString(a["value"]))
		case a["name"] == "username":
			login = true
			values.Set("username", html.UnescapeString(a["value"]))
			if b.Username != "" {
				values.Set("username", b.Username)
			}
		case a["name"] == "password":
			values.Set("password", b.Password)
		}
	}
	if login {
		values.Set("action", "signin")
	}
	return action, values, login || len(values) > 0
}

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrPattern.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = m[2]
	}
	return out
}
