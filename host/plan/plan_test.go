package plan

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	server = "6dae42f8-4368-4678-94ff-3960e28e3630"
	public = "https://login.microsoftonline.com/"
)

// token is the settings every case starts from; the case changes the rest.
func token(mode string) options.Token {
	return options.Token{LoginMode: mode, ServerID: server, TenantID: "tenant", ClientID: "client", Timeout: time.Minute}
}

// request is what those base settings ask the provider for.
func request(mode string) sdk.Request {
	return sdk.Request{
		LoginMode: mode, TenantID: "tenant", ClientID: "client",
		Scopes: []string{server + "/.default"}, Resource: server, AuthorityHost: public,
		Timeout: time.Minute,
	}
}

// key is the cache key of those base settings.
func key(mode string) cache.Key {
	return cache.Key{LoginMode: mode, AuthorityHost: public, TenantID: "tenant", ClientID: "client", ServerID: server, Extra: "{}"}
}

func env(vars map[string]string, home string) Env {
	return Env{AzureConfigDir: vars["AZURE_CONFIG_DIR"], AzdConfigDir: vars["AZD_CONFIG_DIR"], Home: home}
}

func TestNew(t *testing.T) {
	home := filepath.Join("/home", "u")
	pop := &PoPBinding{ReqCnf: "cnf", Thumbprint: "kid"}
	tests := []struct {
		name   string
		mode   string
		set    func(*options.Token)
		env    Env
		facts  Facts
		want   func(*sdk.Request, *cache.Key)
		aud    string // default: server
		files  []string
		claims map[string]string
	}{
		{name: "devicecode", mode: options.DeviceCode},
		{
			name: "interactive with login hint and redirect URL", mode: options.Interactive,
			set: func(t *options.Token) { t.LoginHint = "ann@example.com"; t.RedirectURL = "http://localhost:8400" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.LoginHint, r.RedirectURL = "ann@example.com", "http://localhost:8400"
				k.Account = "ann@example.com"
			},
		},
		{
			name: "spn with a secret: the secret goes to the provider, never into the key", mode: options.SPN,
			set:  func(t *options.Token) { t.ClientSecret = "s3cret" },
			want: func(r *sdk.Request, _ *cache.Key) { r.Credentials.ClientSecret = "s3cret" },
		},
		{
			name: "spn with a certificate", mode: options.SPN,
			set: func(t *options.Token) { t.ClientCertificate = "/c.pfx"; t.ClientCertificatePassword = "pw" },
			want: func(r *sdk.Request, _ *cache.Key) {
				r.Credentials.ClientCertificatePath, r.Credentials.ClientCertificatePassword = "/c.pfx", "pw"
			},
		},
		{
			name: "ropc: the user name is the account", mode: options.ROPC,
			set: func(t *options.Token) {
				t.Username = "ann@example.com"
				t.Password = "pw"
				t.LoginHint = "ignored@example.com"
			},
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.Username, r.Credentials.Password, r.LoginHint = "ann@example.com", "pw", "ignored@example.com"
				k.Account = "ann@example.com"
			},
		},
		{
			name: "msi by resource id: the identity is the account", mode: options.MSI,
			set: func(t *options.Token) { t.ClientID = ""; t.IdentityResourceID = "/subscriptions/s/id" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.ClientID, k.ClientID = "", ""
				r.Credentials.IdentityResourceID = "/subscriptions/s/id"
				k.Account = "/subscriptions/s/id"
			},
		},
		{name: "msi by client id", mode: options.MSI},
		{
			name: "azurecli: subscription and the profile in AZURE_CONFIG_DIR", mode: options.AzureCLI,
			set:   func(t *options.Token) { t.Subscription = "sub" },
			env:   env(map[string]string{"AZURE_CONFIG_DIR": "/az"}, home),
			facts: Facts{FingerprintDigest: "d1"},
			files: []string{filepath.Join("/az", "azureProfile.json")},
			want: func(r *sdk.Request, k *cache.Key) {
				r.Extra = map[string]string{"subscription": "sub"}
				k.Extra = `{"s":"sub","cli":"d1"}`
			},
		},
		{
			name: "azurecli: the profile in the home directory", mode: options.AzureCLI,
			env:   env(nil, home),
			facts: Facts{FingerprintDigest: "d2"},
			files: []string{filepath.Join(home, ".azure", "azureProfile.json")},
			want:  func(_ *sdk.Request, k *cache.Key) { k.Extra = `{"cli":"d2"}` },
		},
		{
			name: "azurecli: no home and no AZURE_CONFIG_DIR fingerprints nothing", mode: options.AzureCLI,
			env: env(map[string]string{"AZURE_CONFIG_DIR": ""}, ""),
		},
		{
			name: "azd: both sign-in files in AZD_CONFIG_DIR", mode: options.AzD,
			env:   env(map[string]string{"AZD_CONFIG_DIR": "/azd"}, home),
			facts: Facts{FingerprintDigest: "d3"},
			files: []string{filepath.Join("/azd", "auth.json"), filepath.Join("/azd", "config.json")},
			want:  func(_ *sdk.Request, k *cache.Key) { k.Extra = `{"cli":"d3"}` },
		},
		{
			name: "workloadidentity: the token file keys the cache", mode: options.WorkloadIdentity,
			set: func(t *options.Token) { t.FederatedTokenFile = "/var/run/token" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.FederatedTokenFile = "/var/run/token"
				k.Extra = `{"f":"/var/run/token"}`
			},
		},
		{
			name: "azurepipelines: the service connection travels as an extra setting", mode: options.AzurePipelines,
			set:  func(t *options.Token) { t.PipelinesConnectionID = "conn" },
			want: func(r *sdk.Request, _ *cache.Key) { r.Extra = map[string]string{"service_connection_id": "conn"} },
		},
		{
			name: "third-party mode: provider args pass through and key the cache", mode: "corp-sso",
			set: func(t *options.Token) { t.ProviderArgs = map[string]string{"realm": "eu", "b": "2"} },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Extra = map[string]string{"realm": "eu", "b": "2"}
				k.Extra = `{"p":{"b":"2","realm":"eu"}}`
			},
		},
		{
			name: "provider args and a subscription together", mode: options.AzureCLI,
			set: func(t *options.Token) { t.Subscription = "sub"; t.ProviderArgs = map[string]string{"x": "1"} },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Extra = map[string]string{"x": "1", "subscription": "sub"}
				k.Extra = `{"s":"sub","p":{"x":"1"}}`
			},
		},
		{
			name: "legacy: a v1 resource whose tokens carry spn:", mode: options.DeviceCode,
			set:  func(t *options.Token) { t.Legacy = true },
			aud:  "spn:" + server,
			want: func(r *sdk.Request, k *cache.Key) { r.Legacy, k.Legacy = true, true },
		},
		{
			name: "legacy spn", mode: options.SPN,
			set:  func(t *options.Token) { t.Legacy = true; t.ClientSecret = "s" },
			aud:  "spn:" + server,
			want: func(r *sdk.Request, k *cache.Key) { r.Legacy, k.Legacy, r.Credentials.ClientSecret = true, true, "s" },
		},
		{
			name: "a trailing slash on the server id is not part of the audience or key", mode: options.DeviceCode,
			set:  func(t *options.Token) { t.ServerID = server + "/" },
			want: func(*sdk.Request, *cache.Key) {},
		},
		{
			name: "a server id given as a scope", mode: options.DeviceCode,
			set: func(t *options.Token) { t.ServerID = server + "/.default" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Resource, k.ServerID = server+"/.default", server+"/.default"
			},
		},
		{
			name: "sovereign cloud by --environment", mode: options.DeviceCode,
			set: func(t *options.Token) { t.Environment = "AzureChinaCloud" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.AuthorityHost, k.AuthorityHost = "https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/"
			},
		},
		{
			name: "--authority-host wins and instance discovery can be off", mode: options.SPN,
			set: func(t *options.Token) {
				t.AuthorityHost, t.Environment, t.DisableInstanceDiscovery = "https://login.example/", "AzureChinaCloud", true
			},
			want: func(r *sdk.Request, k *cache.Key) {
				r.DisableInstanceDiscovery = true
				r.AuthorityHost, k.AuthorityHost = "https://login.example/", "https://login.example/"
			},
		},
		{
			name: "pop: the request binds the host's key, the key covers key and sorted claims", mode: options.SPN,
			set:    func(t *options.Token) { t.PoPEnabled = true; t.PoPClaims = "u=/arm/id, b=2" },
			facts:  Facts{PoP: pop},
			claims: map[string]string{"u": "/arm/id", "b": "2"},
			want: func(r *sdk.Request, k *cache.Key) {
				r.PoP = &sdk.PoPRequest{ReqCnf: "cnf"}
				k.PoPKeyID, k.PoPClaims = "kid", "b=2,u=/arm/id"
			},
		},
		{
			name: "pop interactive", mode: options.Interactive,
			set:    func(t *options.Token) { t.PoPEnabled = true; t.PoPClaims = "u=/arm/id" },
			facts:  Facts{PoP: pop},
			claims: map[string]string{"u": "/arm/id"},
			want: func(r *sdk.Request, k *cache.Key) {
				r.PoP = &sdk.PoPRequest{ReqCnf: "cnf"}
				k.PoPKeyID, k.PoPClaims = "kid", "u=/arm/id"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token(tt.mode)
			if tt.set != nil {
				tt.set(&tok)
			}
			p, err := New(&tok, tt.env)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			wantReq, wantKey := request(tt.mode), key(tt.mode)
			if tt.want != nil {
				tt.want(&wantReq, &wantKey)
			}
			wantAud := server
			if tt.aud != "" {
				wantAud = tt.aud
			}
			req, k := p.Bind(tt.facts)
			if !reflect.DeepEqual(*req, wantReq) {
				t.Errorf("request\n got %#v\nwant %#v", *req, wantReq)
			}
			if k != wantKey {
				t.Errorf("key\n got %#v\nwant %#v", k, wantKey)
			}
			if p.Audience != wantAud {
				t.Errorf("audience %q, want %q", p.Audience, wantAud)
			}
			if p.Account != wantKey.Account {
				t.Errorf("account %q, want %q", p.Account, wantKey.Account)
			}
			if want := (sdk.Capabilities{PoP: tok.PoPEnabled, Legacy: tok.Legacy}); p.Needs != want {
				t.Errorf("needs %+v, want %+v", p.Needs, want)
			}
			if !reflect.DeepEqual(p.Fingerprint, tt.files) {
				t.Errorf("fingerprint files %q, want %q", p.Fingerprint, tt.files)
			}
			if !reflect.DeepEqual(p.PoPClaims, tt.claims) {
				t.Errorf("pop claims %v, want %v", p.PoPClaims, tt.claims)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		set  func(*options.Token)
		want string
	}{
		{"no server id", func(t *options.Token) { t.ServerID = "" }, "--server-id is required"},
		{"unknown cloud", func(t *options.Token) { t.Environment = "Mars" }, `unknown --environment "Mars"`},
		{"pop claims without u", func(t *options.Token) { t.PoPEnabled = true; t.PoPClaims = "x=1" }, "the u claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token(options.DeviceCode)
			tt.set(&tok)
			_, err := New(&tok, Env{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
		})
	}
}

// TestKeysSeparate checks that each fact the plan is bound with leads to
// another cache entry, and that binding leaves the plan as it was.
func TestKeysSeparate(t *testing.T) {
	tok := token(options.AzureCLI)
	tok.PoPEnabled, tok.PoPClaims = true, "u=/arm/id"
	p, err := New(&tok, Env{Home: "/h"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for name, f := range map[string]Facts{
		"bearer":          {},
		"profile":         {FingerprintDigest: "a"},
		"other profile":   {FingerprintDigest: "b"},
		"pop key":         {PoP: &PoPBinding{ReqCnf: "c", Thumbprint: "k1"}},
		"another pop key": {PoP: &PoPBinding{ReqCnf: "c", Thumbprint: "k2"}},
	} {
		req, k := p.Bind(f)
		req.Scopes[0], req.Extra = "changed", map[string]string{"x": "y"}
		if other, dup := ids[k.ID()]; dup {
			t.Errorf("%s and %s share a cache key", name, other)
		}
		ids[k.ID()] = name
	}
	if req, _ := p.Bind(Facts{}); req.Scopes[0] != server+"/.default" || req.Extra != nil {
		t.Errorf("a caller's change to a bound request reached the plan: %v %v", req.Scopes, req.Extra)
	}
}

// TestKeyEncodingIsStable pins the mode-specific part of the key: a change
// would orphan every cached token and sign every user in again.
func TestKeyEncodingIsStable(t *testing.T) {
	tok := token(options.AzureCLI)
	tok.FederatedTokenFile, tok.Subscription, tok.ProviderArgs = "/f", "s", map[string]string{"z": "1", "a": "2"}
	p, err := New(&tok, Env{})
	if err != nil {
		t.Fatal(err)
	}
	_, k := p.Bind(Facts{FingerprintDigest: "d"})
	if want := `{"f":"/f","s":"s","p":{"a":"2","z":"1"},"cli":"d"}`; k.Extra != want {
		t.Errorf("key extra %s, want %s", k.Extra, want)
	}
}

func TestDigest(t *testing.T) {
	files := map[string]string{"/a/azureProfile.json": `{"user":"ann"}`, "/b/azureProfile.json": `{"user":"bob"}`, "/a/empty.json": ""}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	if d := Digest(nil, read); d != "" {
		t.Errorf("no files: digest %q, want empty", d)
	}
	ann := Digest([]string{"/a/azureProfile.json"}, read)
	if len(ann) != 64 {
		t.Errorf("digest %q is not a hex SHA-256", ann)
	}
	if ann != Digest([]string{"/a/azureProfile.json"}, read) {
		t.Error("the same content gives another digest")
	}
	if ann == Digest([]string{"/b/azureProfile.json"}, read) {
		t.Error("another signed-in user gives the same digest")
	}
	missing := Digest([]string{"/gone/empty.json"}, read)
	if missing != Digest([]string{"/a/empty.json"}, read) {
		t.Error("a missing file should count as an empty one (signed out)")
	}
	if missing == ann {
		t.Error("signing out gives the same digest as signed in")
	}
	failing := func(string) ([]byte, error) { return nil, errors.New("denied") }
	if Digest([]string{"/a/azureProfile.json"}, failing) == ann {
		t.Error("an unreadable profile gives the digest of a readable one")
	}
}
