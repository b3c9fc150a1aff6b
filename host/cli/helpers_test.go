package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/client"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

const serverID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// harness is a Factory over buffers, a map environment, a fixed clock, a
// temporary home and provider directory, and providers served in-process.
type harness struct {
	f        *Factory
	out, err *bytes.Buffer
	env      map[string]string
	home     string
	provDir  string
	launcher *fakeLauncher
	keys     *memKeys
	now      time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		out:     &bytes.Buffer{},
		err:     &bytes.Buffer{},
		home:    t.TempDir(),
		provDir: t.TempDir(),
		now:     time.Now().UTC().Truncate(time.Second),
	}
	h.env = map[string]string{"HOME": h.home}
	h.launcher = &fakeLauncher{t: t, providers: map[string]sdk.Provider{}}
	h.keys = &memKeys{keys: map[string][]byte{}}
	h.f = &Factory{
		IO:     iostreams.IOStreams{In: strings.NewReader(""), Out: h.out, ErrOut: h.err},
		Getenv: func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
		Environ: func() []string {
			var env []string
			for k, v := range h.env {
				env = append(env, k+"="+v)
			}
			return env
		},
		Now:      func() time.Time { return h.now },
		Search:   func() provider.Search { return provider.Search{ExecutableDir: h.provDir} },
		Launcher: h.launcher,
		Keys:     func() tokenstore.KeyBackend { return h.keys },
	}
	return h
}

// memKeys is an OS key store in memory; blocked makes every call fail as
// keyctl does under Docker's default seccomp profile.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string][]byte
	blocked error
}

func (m *memKeys) Name() string { return "the test key store" }
func (m *memKeys) Probe() error { return m.blocked }
func (m *memKeys) Load(dir string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil {
		return nil, m.blocked
	}
	k, ok := m.keys[dir]
	if !ok {
		return nil, tokenstore.ErrNoKey
	}
	return bytes.Clone(k), nil
}
func (m *memKeys) Create(dir string, key []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil {
		return nil, m.blocked
	}
	if _, ok := m.keys[dir]; !ok {
		m.keys[dir] = bytes.Clone(key)
	}
	return bytes.Clone(m.keys[dir]), nil
}
func (m *memKeys) Delete(dir string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.keys[dir]
	delete(m.keys, dir)
	return ok, m.blocked
}

// install puts an executable kubelogin-provider-<mode> where discovery
// looks and serves p in-process when it is launched; a nil p fails the
// launch.
func (h *harness) install(t *testing.T, mode string, p sdk.Provider) {
	t.Helper()
	path := filepath.Join(h.provDir, provider.BinaryPrefix+mode)
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.launcher.providers[mode] = p
}

// run executes the real command tree with args and returns the exit status.
func (h *harness) run(t *testing.T, args ...string) int {
	t.Helper()
	h.out.Reset()
	h.err.Reset()
	h.f.logger = nil
	return execute(context.Background(), h.f, NewRootCmd(h.f), args)
}

func (h *harness) cacheDir() string { return filepath.Join(h.home, ".kube", "cache", "kubelogin") }

// fakeLauncher serves each mode's provider over go-plugin's in-process gRPC
// connection: the same client, protocol and events as a real provider,
// without a process.
type fakeLauncher struct {
	t         *testing.T
	providers map[string]sdk.Provider

	mu       sync.Mutex
	launched []provider.Candidate
	env      []string // of the last launch
	maxMsg   int      // of the last launch
	conns    []*fakeConn
}

func (l *fakeLauncher) Launch(c provider.Candidate, opts provider.Options) (Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.launched = append(l.launched, c)
	l.env, l.maxMsg = opts.Env, opts.MaxMessageSize
	if opts.StartTimeout <= 0 {
		l.t.Errorf("provider %s launched without a start timeout", c.Mode)
	}
	impl := l.providers[c.Mode]
	if impl == nil {
		return nil, errors.New("provider " + c.Mode + " exited during start-up: boom")
	}
	// The provider serves in process on a loopback port; stopping the
	// connection stops the server too.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	pb.RegisterProviderServer(srv, sdk.NewProviderServer(impl))
	go func() { _ = srv.Serve(ln) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		return nil, err
	}
	conn := &fakeConn{Client: client.New(cc), stop: func() { cc.Close(); srv.Stop() }}
	l.conns = append(l.conns, conn)
	l.t.Cleanup(conn.Close)
	return conn, nil
}

func (l *fakeLauncher) launches() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.launched)
}

// fakeConn is a launched in-process provider; it records how it was stopped.
type fakeConn struct {
	*client.Client
	stop    func()
	once    sync.Once
	aborted bool
	closed  bool
}

func (c *fakeConn) Close() { c.closed = true; c.once.Do(c.stop) }
func (c *fakeConn) Abort() { c.aborted = true; c.once.Do(c.stop) }

// scripted is a provider whose GetToken the test writes; it records the
// requests it gets.
type scripted struct {
	info sdk.Info
	get  func(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error)

	mu   sync.Mutex
	reqs []*sdk.Request
}

func (s *scripted) Describe() sdk.Info { return s.info }

func (s *scripted) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	return s.get(ctx, req, ui)
}

func (s *scripted) requests() []*sdk.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs
}

// issuing is a provider for modes that returns a token for aud, valid for
// an hour from now, after showing a message.
func issuing(now time.Time, aud string, caps sdk.Capabilities, modes ...string) *scripted {
	return &scripted{
		info: sdk.Info{Name: "test-provider", Version: "1.0.0", LoginModes: modes, Capabilities: caps},
		get: func(_ context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
			if err := ui.Message("Signing in as test-provider"); err != nil {
				return nil, err
			}
			return &sdk.Token{AccessToken: jwt(aud), ExpiresAt: now.Add(time.Hour), State: []byte("refresh"), Account: "ann@example.com"}, nil
		},
	}
}

// jwt is an unsigned access token with the aud claim: the host checks the
// audience, not the signature.
func jwt(aud string) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(map[string]string{"aud": aud, "iss": "https://sts.example/", "sub": "ann"})
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + ".c2ln"
}

// execCredential decodes get-token's stdout, which must be one JSON line.
type execCredential struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Status     struct {
		ExpirationTimestamp string `json:"expirationTimestamp"`
		Token               string `json:"token"`
	} `json:"status"`
}

func parseExecCredential(t *testing.T, stdout string) execCredential {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout is not exactly one line: %q", stdout)
	}
	var ec execCredential
	if err := json.Unmarshal([]byte(stdout), &ec); err != nil {
		t.Fatalf("stdout is not an ExecCredential: %v: %q", err, stdout)
	}
	if ec.Kind != "ExecCredential" {
		t.Fatalf("kind %q, want ExecCredential", ec.Kind)
	}
	return ec
}

// oneLineError checks a failed run's stderr: exactly one "Error: " line
// containing want, and nothing on stdout.
func (h *harness) oneLineError(t *testing.T, code int, want string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit status 0, want failure; stderr %q", h.err.String())
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout on failure: %q", h.out.String())
	}
	lines := strings.Split(strings.TrimSuffix(h.err.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "Error: ") || !strings.Contains(last, want) {
		t.Errorf("stderr's last line %q, want an Error: line containing %q", last, want)
	}
	if n := strings.Count(h.err.String(), "Error: "); n != 1 {
		t.Errorf("%d error lines, want 1: %q", n, h.err.String())
	}
}

// openCache opens the harness's cache as get-token does, with its key store.
func (h *harness) openCache() *cache.Cache {
	return cache.Open(h.cacheDir(), func(string) {}, cache.Sealed(tokenstore.NewSealer(h.keys, h.cacheDir()), false))
}
