package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// requireChromium finds Debian's chromium and certutil (libnss3-tools). In
// CI (CI set) a missing one fails the test: .ci/run installs both. Locally
// the test is skipped with a message.
func requireChromium(t *testing.T) string {
	t.Helper()
	var missing []string
	exe, err := exec.LookPath("chromium")
	if err != nil {
		missing = append(missing, "chromium")
	}
	if _, err := exec.LookPath("certutil"); err != nil {
		missing = append(missing, "libnss3-tools")
	}
	if len(missing) == 0 {
		return exe
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s missing: .ci/run installs them (apt-get install %s)", strings.Join(missing, " and "), strings.Join(missing, " "))
	}
	t.Skipf("%s not installed (apt-get install %s); the real browser tests run in CI", strings.Join(missing, " and "), strings.Join(missing, " "))
	return ""
}

// chromium is a headless Chromium driven over the DevTools protocol: the
// browser `-l interactive` opens. kubelogin runs internal/cmd/chromiumbrowser
// as $BROWSER, which hands the sign-in URL to this test over loopback.
type chromium struct {
	ctx      context.Context // the browser; each sign-in opens a tab in it
	endpoint string          // where chromiumbrowser posts URLs
	urls     chan string
	opens    atomic.Int32
	output   string // Chromium's stdout and stderr
}

// startChromium launches one Chromium for a test: its proxy is the
// cluster's, and its HOME holds an NSS database trusting the cluster's CA,
// which is how Chromium on Linux trusts a private CA.
func startChromium(t *testing.T, c *proxiedCluster) *chromium {
	t.Helper()
	exe := requireChromium(t)
	home := t.TempDir()
	nssdb := "sql:" + filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-d", nssdb, "-N", "--empty-password"}, {"-d", nssdb, "-A", "-t", "C,,", "-n", "kubelogin-e2e-ca", "-i", c.caFile}} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	b := &chromium{urls: make(chan string, 4), output: filepath.Join(home, "chromium.log")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "POST the URL to open", http.StatusBadRequest)
			return
		}
		b.opens.Add(1)
		select {
		case b.urls <- string(u):
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "too many browser launches", http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	b.endpoint = srv.URL

	logFile, err := os.Create(b.output)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("disable-gpu", true),
		// Chromium's own calls to Google (component updates, account checks, the password
		// manager) bypass the proxy and fail at name resolution inside the browser: nothing leaves
		// the machine, and the proxy, whose guard refuses unknown hosts, sees only the sign-in.
		chromedp.Flag("proxy-bypass-list", "*.google.com;*.googleapis.com;*.gstatic.com;*.gvt1.com"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(filepath.Join(home, "profile")),
		chromedp.ProxyServer(c.proxy.URL()),
		// Only the test's environment: HOME (the NSS database), no proxy variables.
		chromedp.NoInheritEnv,
		chromedp.Env("HOME="+home, "PATH="+os.Getenv("PATH"), "TMPDIR="+home),
		chromedp.CombinedOutput(logFile),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v\n%s", err, b.log())
	}
	b.ctx = ctx
	return b
}

// env makes kubelogin open sign-in pages in this Chromium.
func (b *chromium) env() []string {
	return []string{"BROWSER=" + filepath.Join(binDir, "chromiumbrowser"), "CHROMIUMBROWSER_URL=" + b.endpoint}
}

// log is Chromium's output without its harmless complaints about a missing D-Bus.
func (b *chromium) log() string {
	out, _ := os.ReadFile(b.output)
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// signIn is what Chromium went through for one sign-in.
type signIn struct {
	// opened is the URL kubelogin opened, loaded is the sign-in page's address as Chromium showed it.
	opened, loaded string
	// prefilled is the account the sign-in page filled in before anyone typed.
	prefilled string
	// listener is where the form_post went: the plugin's loopback listener; answer is its page's text.
	listener *url.URL
	answer   string
}

// pendingSignIn is a sign-in Chromium performs in the background at the
// next page kubelogin opens. (A failed one leaves kubectl waiting until
// kubelogin's --timeout; the test then reports Chromium's error.)
type pendingSignIn struct {
	taken  chan struct{} // closed when kubelogin handed over a URL
	result chan signInResult
}

type signInResult struct {
	s   signIn
	err error
}

// expectSignIn signs in at the next page kubelogin opens, as a person
// would: the account is typed unless the page filled it in, then the
// password, then "Sign in".
func (b *chromium) expectSignIn(t *testing.T, user, password string) *pendingSignIn {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	t.Cleanup(cancel)
	p := &pendingSignIn{taken: make(chan struct{}), result: make(chan signInResult, 1)}
	go func() {
		defer cancel()
		select {
		case u := <-b.urls:
			close(p.taken)
			s, err := b.signIn(ctx, u, user, password)
			p.result <- signInResult{s, err}
		case <-ctx.Done():
		}
	}()
	return p
}

// wait returns the sign-in once kubectl (r) has finished; a kubectl that
// finished without opening the browser fails the test with its output.
func (p *pendingSignIn) wait(t *testing.T, b *chromium, r result) signIn {
	t.Helper()
	select {
	case <-p.taken:
	default:
		t.Fatalf("kubectl finished without opening the browser: exit %d\n%s", r.code, r.stderr)
	}
	res := <-p.result
	if res.err != nil {
		t.Fatalf("Chromium could not sign in: %v\nkubectl: exit %d\n%s\nChromium:\n%s", res.err, r.code, r.stderr, b.log())
	}
	return res.s
}

// signIn drives one tab through the sign-in page to the loopback listener.
func (b *chromium) signIn(ctx context.Context, opened, user, password string) (signIn, error) {
	s := signIn{opened: opened}
	tab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	toListener := make(chan string, 1)
	err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*page.EventFrameNavigated); ok && e.Frame.ParentID == "" && isLoopbackURL(e.Frame.URL) {
			select {
			case toListener <- e.Frame.URL:
			default:
			}
		}
	})
	if err != nil {
		return s, fmt.Errorf("open a tab: %w", err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(opened)); err != nil {
		return s, fmt.Errorf("load the sign-in page: %w", err)
	}
	if s.loaded, err = chromedp.Run(tab, chromedp.Location()); err != nil {
		return s, fmt.Errorf("read the sign-in page's address: %w", err)
	}
	// A certificate or proxy error shows Chromium's own error page instead.
	if u, err := url.Parse(s.loaded); err != nil || u.Host != entraemu.PublicCloudHost {
		title, _ := chromedp.Run(tab, chromedp.Title())
		return s, fmt.Errorf("Chromium shows %q (%q), not the sign-in page at %s", s.loaded, title, entraemu.PublicCloudHost)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
		return s, fmt.Errorf("wait for the sign-in form: %w", err)
	}
	if s.prefilled, err = chromedp.Run(tab, chromedp.Value(chromedp.ID("username"))); err != nil {
		return s, fmt.Errorf("read the sign-in form: %w", err)
	}
	var steps []chromedp.Action[chromedp.Void]
	if s.prefilled == "" {
		steps = append(steps, chromedp.SendKeys(chromedp.ID("username"), user))
	}
	steps = append(steps, chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.ID("signin")))
	if err := chromedp.Do(tab, steps...); err != nil {
		return s, fmt.Errorf("fill in the sign-in form: %w", err)
	}
	select {
	case u := <-toListener:
		s.listener, _ = url.Parse(u)
	case <-ctx.Done():
		return s, errors.New("the sign-in never reached the loopback listener")
	}
	if err := chromedp.Do(tab, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		return s, fmt.Errorf("load the listener's page: %w", err)
	}
	if s.answer, err = chromedp.Run(tab, chromedp.Text(chromedp.CSS("body"))); err != nil {
		return s, fmt.Errorf("read the listener's page: %w", err)
	}
	return s, nil
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}

// freePort is a loopback port nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestChromiumInteractive: headless Chromium, driven over the DevTools
// protocol, is the browser `-l interactive` opens on the default path. It
// loads the sign-in page at login.microsoftonline.com through the HTTPS
// proxy, trusting the private CA through its NSS database, signs in, and
// the form_post reaches the plugin's loopback listener directly (Chromium
// never proxies loopback); real kubectl gets its token, and its second call
// is a cache hit that opens no browser. One Chromium serves every case.
func TestChromiumInteractive(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newProxiedCluster(t)
	b := startChromium(t, c)
	const bob, bobPassword = "bob@" + entraemu.DefaultTenantDomain, "bob-chromium-password"
	c.em.AddUser(entraemu.User{UPN: bob, Password: bobPassword})
	port := freePort(t)

	tests := []struct {
		name    string
		convert []string // convert-kubeconfig -l interactive <convert...>
		// user is typed unless the page fills it in; the default user takes any password.
		user, password string
		wantUser       string
		wantScheme     string
		// prefilled is the account the sign-in page must show before anyone types.
		prefilled string
		// listenerPort, when set, is the port the form_post must reach.
		listenerPort string
	}{
		{name: "plain", user: entraemu.DefaultUserUPN, password: "typed-by-alice", wantUser: entraemu.DefaultUserUPN, wantScheme: "Bearer"},
		{name: "pop", convert: []string{"--pop-enabled", "--pop-claims", "u=" + popClusterID},
			user: entraemu.DefaultUserUPN, password: "typed-by-alice", wantUser: entraemu.DefaultUserUPN, wantScheme: "PoP"},
		{name: "login hint and redirect url", convert: []string{"--login-hint", bob, "--redirect-url", "http://localhost:" + port + "/"},
			password: bobPassword, wantUser: bob, wantScheme: "Bearer", prefilled: bob, listenerPort: port},
	}
	// The cases share the emulator and Chromium, so they run one after another.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := c.aksKubeconfig(t, "interactive", tt.convert...)
			env := c.env(t, kc, b.env()...)
			opens := b.opens.Load()

			pending := b.expectSignIn(t, tt.user, tt.password)
			r := run(t, env, kubectl, "get", "nodes")
			s := pending.wait(t, b, r)
			requireNodes(t, r)

			if got := b.opens.Load() - opens; got != 1 {
				t.Fatalf("browser launches = %d, want 1", got)
			}
			if !strings.Contains(r.stderr, browserPrompt+"\n"+s.opened) {
				t.Errorf("kubectl's stderr does not show the URL the browser opened:\n%s", r.stderr)
			}
			authorize := "https://" + entraemu.PublicCloudHost + "/" + entraemu.DefaultTenantID + "/oauth2/v2.0/authorize?"
			if !strings.HasPrefix(s.loaded, authorize) {
				t.Fatalf("Chromium showed %q, want the sign-in page under %s", s.loaded, authorize)
			}
			if s.prefilled != tt.prefilled {
				t.Errorf("the sign-in page filled in %q, want %q", s.prefilled, tt.prefilled)
			}
			opened, err := url.Parse(s.opened)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := opened.Query().Get("login_hint"), tt.prefilled; got != want {
				t.Errorf("login_hint = %q, want %q", got, want)
			}
			if redirect := opened.Query().Get("redirect_uri"); s.listener == nil || !strings.HasPrefix(s.listener.String(), strings.TrimSuffix(redirect, "/")) {
				t.Errorf("the form_post went to %v, want the redirect_uri %s", s.listener, redirect)
			}
			if tt.listenerPort != "" && s.listener.Port() != tt.listenerPort {
				t.Errorf("the listener was on port %s, want --redirect-url's %s", s.listener.Port(), tt.listenerPort)
			}
			if !strings.Contains(s.answer, "Authentication complete") {
				t.Errorf("the listener answered %q, want its success page", s.answer)
			}
			if got := lastAPIUser(c.cluster); got != tt.wantUser {
				t.Errorf("the API server authenticated %q, want %q", got, tt.wantUser)
			}
			if reqs := c.api.Requests(); reqs[len(reqs)-1].Scheme != tt.wantScheme {
				t.Errorf("the API request used %q, want %q", reqs[len(reqs)-1].Scheme, tt.wantScheme)
			}

			// The second kubectl is served from kubelogin's cache: no browser, nothing through the proxy.
			before := len(c.proxy.Requests())
			requireNodes(t, run(t, env, kubectl, "get", "nodes"))
			if after := c.proxy.Requests(); len(after) != before {
				t.Errorf("the second kubectl went through the proxy again: %v", after[before:])
			}
			if got := b.opens.Load() - opens; got != 1 {
				t.Errorf("browser launches after the second kubectl = %d, want 1", got)
			}
			if reqs := c.api.Requests(); reqs[len(reqs)-1].Scheme != tt.wantScheme {
				t.Errorf("the cached token was sent as %q, want %q", reqs[len(reqs)-1].Scheme, tt.wantScheme)
			}
		})
	}
}
