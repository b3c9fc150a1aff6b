package entraemu

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Cloud host names the proxy answers for, so clients run their default path: no --authority-host, instance
// discovery on. ARMHost is Azure Resource Manager, which `az login` lists subscriptions from.
const (
	PublicCloudHost = "login.microsoftonline.com"
	USGovCloudHost  = "login.microsoftonline.us"
	ChinaCloudHost  = "login.chinacloudapi.cn"
	ARMHost         = "management.azure.com"
	// IMDSHost is the link-local managed identity endpoint. The proxy answers plain-HTTP requests for it, so
	// managed identity runs its default path without anything ever dialling the address itself.
	IMDSHost = "169.254.169.254"
)

// CloudHosts are the Entra ID hosts of the public, US Government and China clouds.
var CloudHosts = []string{PublicCloudHost, USGovCloudHost, ChinaCloudHost}

// Subscription is what the proxy's Azure Resource Manager stand-in lists, for `az login`.
type Subscription struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TenantID string `json:"tenant_id"`
}

// ProxyOptions configure a Proxy; the zero value answers for CloudHosts, ARMHost and IMDSHost.
type ProxyOptions struct {
	// Addr is the listen address; default 127.0.0.1:0.
	Addr string
	// Subscriptions are listed by the ARM stand-in; empty lists one subscription in the default tenant.
	Subscriptions []Subscription
}

// ProxyRequest is one request the proxy saw: a CONNECT (Host is host:port) or a plain-HTTP request (Host is
// the URL's host). Refused requests named a host the proxy does not answer for.
type ProxyRequest struct {
	Method  string `json:"method"`
	Host    string `json:"host"`
	Path    string `json:"path,omitempty"`
	Refused bool   `json:"refused,omitempty"`
}

// Proxy is the emulator seen through an intercepting HTTP proxy: point HTTPS_PROXY and HTTP_PROXY at URL()
// and trust the emulator's CA, and clients that talk to login.microsoftonline.com (or the sovereign clouds),
// management.azure.com or IMDS reach the emulator under the real names. CONNECTs to those hosts on port 443
// are terminated with a leaf certificate for the requested name signed by the emulator's CA; everything else
// is refused, so a test cannot reach the internet by accident.
type Proxy struct {
	em    *Emulator
	subs  []Subscription
	front *http.Server // CONNECT and absolute-form plain-HTTP requests
	back  *http.Server // TLS terminated for intercepted CONNECTs
	conns *connListener
	url   string

	mu    sync.Mutex
	log   []ProxyRequest
	certs map[string]*tls.Certificate
}

// StartProxy listens on opts.Addr and serves the proxy in the background; Close stops it.
func (e *Emulator) StartProxy(opts ProxyOptions) (*Proxy, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	subs := opts.Subscriptions
	if len(subs) == 0 {
		subs = []Subscription{{ID: DefaultSubscriptionID, Name: "kubelogin-test", TenantID: DefaultTenantID}}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("entra proxy: listen on %s: %w", opts.Addr, err)
	}
	p := &Proxy{
		em: e, subs: append([]Subscription(nil), subs...), url: "http://" + ln.Addr().String(),
		conns: newConnListener(ln.Addr()), certs: map[string]*tls.Certificate{},
	}
	routes := e.routes()
	arm := p.armRoutes()
	p.back = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hostOnly(r.Host) == ARMHost {
				arm.ServeHTTP(w, r)
				return
			}
			// Entra ID's paths are case-insensitive; MSAL for Python asks for /common/userrealm/.
			if rest, ok := cutPrefixFold(r.URL.Path, "/common/userrealm/"); ok {
				r.URL.Path = "/common/UserRealm/" + rest
				r.URL.RawPath = ""
			}
			routes.ServeHTTP(w, r)
		}),
		TLSConfig:         &tls.Config{GetCertificate: p.certificate, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          discardLogger(),
	}
	p.front = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serveFront(w, r, routes) }),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          discardLogger(),
	}
	go func() { _ = p.back.ServeTLS(p.conns, "", "") }()
	go func() { _ = p.front.Serve(ln) }()
	return p, nil
}

// DefaultSubscriptionID is the subscription the ARM stand-in lists unless ProxyOptions name others.
const DefaultSubscriptionID = "0b1f6471-1bf0-4dda-aec3-111122223333"

// URL is the proxy's address for HTTPS_PROXY and HTTP_PROXY, e.g. http://127.0.0.1:PORT.
func (p *Proxy) URL() string { return p.url }

// Requests returns a copy of what the proxy saw, oldest first.
func (p *Proxy) Requests() []ProxyRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ProxyRequest(nil), p.log...)
}

// IMDSRequests counts the managed identity requests that came through the proxy.
func (p *Proxy) IMDSRequests() int {
	n := 0
	for _, r := range p.Requests() {
		if hostOnly(r.Host) == IMDSHost && !r.Refused {
			n++
		}
	}
	return n
}

// Close stops the proxy and drops intercepted connections.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := errors.Join(p.front.Shutdown(ctx), p.back.Shutdown(ctx))
	if err != nil {
		return fmt.Errorf("entra proxy: shutdown: %w", err)
	}
	return nil
}

func (p *Proxy) record(r ProxyRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, r)
}

// intercepts reports whether the proxy answers CONNECTs to host (without port).
func intercepts(host string) bool {
	host = strings.ToLower(host)
	for _, h := range CloudHosts {
		if host == h {
			return true
		}
	}
	return host == ARMHost
}

func (p *Proxy) serveFront(w http.ResponseWriter, r *http.Request, routes http.Handler) {
	if r.Method == http.MethodConnect {
		host, port, err := net.SplitHostPort(r.Host)
		ok := err == nil && port == "443" && intercepts(host)
		p.record(ProxyRequest{Method: r.Method, Host: r.Host, Refused: !ok})
		if !ok {
			http.Error(w, "kubelogin test proxy: "+r.Host+" is not emulated", http.StatusForbidden)
			return
		}
		p.tunnel(w)
		return
	}
	// A plain-HTTP proxy request carries an absolute URL; only IMDS is answered.
	ok := r.URL.IsAbs() && r.URL.Scheme == "http" && r.URL.Hostname() == IMDSHost
	p.record(ProxyRequest{Method: r.Method, Host: r.URL.Host, Path: r.URL.Path, Refused: !ok})
	if !ok {
		http.Error(w, "kubelogin test proxy: "+r.URL.Host+" is not emulated", http.StatusForbidden)
		return
	}
	routes.ServeHTTP(w, r)
}

// tunnel answers a CONNECT and hands the client's connection to the TLS server.
func (p *Proxy) tunnel(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "kubelogin test proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := rw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil || rw.Flush() != nil {
		_ = conn.Close()
		return
	}
	// A client may pipeline its ClientHello behind the CONNECT; keep what was buffered.
	if !p.conns.push(&bufferedConn{Conn: conn, r: rw.Reader}) {
		_ = conn.Close()
	}
}

// certificate issues (once per name) a leaf certificate for the SNI host, signed by the emulator's CA.
func (p *Proxy) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.ToLower(hello.ServerName)
	if !intercepts(name) {
		return nil, fmt.Errorf("entra proxy: no certificate for %q", hello.ServerName)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.certs[name]; ok {
		return c, nil
	}
	c, err := p.em.ca.ServerCertificate(name)
	if err != nil {
		return nil, err
	}
	p.certs[name] = &c
	return &c, nil
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(hostport)
}

// bufferedConn reads what the CONNECT's reader already buffered before the rest of the connection.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// connListener is a net.Listener fed with tunnelled connections.
type connListener struct {
	addr   net.Addr
	ch     chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
