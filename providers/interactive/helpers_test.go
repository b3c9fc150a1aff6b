package interactive

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// newEmulator starts an Entra ID emulator that knows the AKS apps.
func newEmulator(t *testing.T, opts entraemu.Options) *entraemu.Emulator {
	t.Helper()
	return emutest.Start(t, opts, nil)
}

// request is what the host sends for `-l interactive`. UserPresent stays
// false, as under kubectl's interactiveMode Never: the browser needs no
// terminal.
func request(em *entraemu.Emulator) *sdk.Request {
	return &sdk.Request{
		LoginMode:                "interactive",
		TenantID:                 entraemu.DefaultTenantID,
		ClientID:                 entraemu.AKSClientID,
		Scopes:                   []string{entraemu.AKSServerID + "/.default"},
		AuthorityHost:            em.URL(),
		DisableInstanceDiscovery: true,
	}
}

// reqCnf is the request confirmation for a key with the given thumbprint.
func reqCnf(kid string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"` + kid + `","xms_ksl":"sw"}`))
}

// recorder is the provider's HTTP transport: it keeps the form of every
// token request so tests can see grants and PoP parameters.
type recorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	forms []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token") && req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		f, _ := url.ParseQuery(string(b))
		r.mu.Lock()
		r.forms = append(r.forms, f)
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// tokenRequests returns the forms recorded so far.
func (r *recorder) tokenRequests() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.forms...)
}

// ui plays the host: it records the URLs the provider asks it to open and
// hands each to a person at a browser, unless browse is nil.
type ui struct {
	browse func(ctx context.Context, u string) error
	ctx    context.Context

	mu   sync.Mutex
	urls []string
	errs []error
}

func (u *ui) OpenURL(link, _ string) error {
	u.mu.Lock()
	u.urls = append(u.urls, link)
	u.mu.Unlock()
	if u.browse == nil {
		return nil
	}
	// MSAL is already listening, so the browser can finish before this
	// returns; the host's browser launcher returns at once instead.
	err := u.browse(u.ctx, link)
	u.mu.Lock()
	u.errs = append(u.errs, err)
	u.mu.Unlock()
	return nil
}

func (u *ui) opened() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.urls...)
}

func (*ui) Message(string) error            { return nil }
func (*ui) DeviceCode(sdk.DeviceCode) error { return nil }
func (*ui) Progress(string) error           { return nil }

// person signs in on the emulator's login page as upn ("" keeps the
// login hint, or the default user).
func person(em *entraemu.Emulator, upn string) func(context.Context, string) error {
	b := &entraemu.Browser{HTTPClient: em.CA().HTTPClient(), Username: upn}
	return b.Open
}

// run is one GetToken call as the host makes it.
type run struct {
	tok   *sdk.Token
	err   error
	urls  []string
	forms []url.Values // token requests made by this call
}

func getToken(t *testing.T, em *entraemu.Emulator, req *sdk.Request, browse func(context.Context, string) error, timeout time.Duration) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rec := &recorder{next: em.CA().HTTPClient().Transport}
	u := &ui{browse: browse, ctx: ctx}
	tok, err := provider{httpClient: &http.Client{Transport: rec}}.GetToken(ctx, req, u)
	for _, e := range u.errs {
		if e != nil {
			t.Errorf("browser: %v", e)
		}
	}
	return run{tok: tok, err: err, urls: u.opened(), forms: rec.tokenRequests()}
}

// grants lists the grant types of the call's token requests.
func (r run) grants() []string {
	var out []string
	for _, f := range r.forms {
		out = append(out, f.Get("grant_type"))
	}
	return out
}

// claims decodes a JWT's payload.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var hiddenField = regexp.MustCompile(`name="([^"]+)" value="([^"]*)"`)
var formAction = regexp.MustCompile(`<form[^>]* action="([^"]*)"`)

// decline presses Cancel on the emulator's sign-in page and lets the
// page's form_post carry Entra's answer back to the redirect URI.
func decline(em *entraemu.Emulator) func(context.Context, string) error {
	c := em.CA().HTTPClient()
	return func(ctx context.Context, authURL string) error {
		page, err := post(ctx, c, authURL, url.Values{"action": {"cancel"}})
		if err != nil {
			return err
		}
		m := formAction.FindStringSubmatch(page)
		if m == nil {
			return fmt.Errorf("no form_post form in %q", page)
		}
		fields := url.Values{}
		for _, f := range hiddenField.FindAllStringSubmatch(page, -1) {
			fields.Set(f[1], html.UnescapeString(f[2]))
		}
		_, err = post(ctx, c, html.UnescapeString(m[1]), fields)
		return err
	}
}

func post(ctx context.Context, c *http.Client, target string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
