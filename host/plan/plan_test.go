package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

const (
	server = "6dae42f8-4368-4678-94ff-3960e28e3630"
	public = "https://login.microsoftonline.com/"
)

// token is the settings every case starts from, bound to get-token's flags
// as in a real run; the case changes the rest.
func token(mode string) *options.Token {
	t := &options.Token{}
	fs := pflag.NewFlagSet("get-token", pflag.ContinueOnError)
	t.AddFlags(fs)
	t.AddProviderArgFlag(fs)
	t.LoginMode, t.ServerID, t.TenantID, t.ClientID, t.Timeout = mode, server, "tenant", "client", time.Minute
	return t
}

// corpSSO is a third-party mode: an opaque token, one required and one
// secret provider arg, an invalidation file named by an arg.
var corpSSO = sdk.ModeSpec{
	LoginMode: "corp-sso", Description: "corporate single sign-on",
	Settings: []sdk.SettingSpec{sdk.Accept(sdk.SettingLoginHint)},
	Args: []sdk.ProviderArg{
		{Name: "realm", Description: "the realm", Required: true},
		{Name: "key", Description: "an API key", Secret: true},
	},
	Token:             sdk.TokenOpaque,
	InvalidationFiles: []sdk.InvalidationFile{{Paths: []string{"${CORP_DIR}/${arg:realm}.json", "~/.corp/${arg:realm}.json"}}},
}

// row is the mode's table row, or corp-sso's.
func row(t *testing.T, mode string) modes.Mode {
	if m, ok := modes.Lookup(mode); ok {
		return m
	}
	if mode == corpSSO.LoginMode {
		return modes.Mode{Spec: corpSSO}
	}
	t.Fatalf("no spec for %s", mode)
	return modes.Mode{}
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
	return Env{Getenv: func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, Home: home}
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
		{name: "devicecode", mode: modes.DeviceCode},
		{
			name: "interactive with login hint and redirect URL", mode: modes.Interactive,
			set: func(t *options.Token) { t.LoginHint = "ann@example.com"; t.RedirectURL = "http://localhost:8400" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.LoginHint, r.RedirectURL = "ann@example.com", "http://localhost:8400"
				k.Account = "ann@example.com"
			},
		},
		{
			name: "spn with a secret: the secret goes to the provider, never into the key", mode: modes.SPN,
			set:  func(t *options.Token) { t.ClientSecret = "s3cret" },
			want: func(r *sdk.Request, _ *cache.Key) { r.Credentials.ClientSecret = "s3cret" },
		},
		{
			name: "spn with a certificate", mode: modes.SPN,
			set: func(t *options.Token) { t.ClientCertificate = "/c.pfx"; t.ClientCertificatePassword = "pw" },
			want: func(r *sdk.Request, _ *cache.Key) {
				r.Credentials.ClientCertificatePath, r.Credentials.ClientCertificatePassword = "/c.pfx", "pw"
			},
		},
		{
			name: "ropc: the user name is the account", mode: modes.ROPC,
			set: func(t *options.Token) {
				t.Username = "ann@example.com"
				t.Password = "pw"
				t.LoginHint = "ignored@example.com"
			},
			want: func(r *sdk.Request, k *cache.Key) {
				// ropc takes no login hint: it stays home.
				r.Credentials.Username, r.Credentials.Password = "ann@example.com", "pw"
				k.Account = "ann@example.com"
			},
		},
		{
			name: "msi by resource id: the identity is the account", mode: modes.MSI,
			set: func(t *options.Token) { t.ClientID = ""; t.IdentityResourceID = "/subscriptions/s/id" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.ClientID, k.ClientID = "", ""
				r.TenantID, r.AuthorityHost = "", "" // msi takes neither
				r.Credentials.IdentityResourceID = "/subscriptions/s/id"
				k.Account = "/subscriptions/s/id"
			},
		},
		{
			name: "msi by client id: no tenant or cloud reach it, the key keeps them", mode: modes.MSI,
			want: func(r *sdk.Request, _ *cache.Key) { r.TenantID, r.AuthorityHost = "", "" },
		},
		{
			name: "azurecli: subscription and the profile in AZURE_CONFIG_DIR", mode: modes.AzureCLI,
			set:   func(t *options.Token) { t.Subscription = "sub" },
			env:   env(map[string]string{"AZURE_CONFIG_DIR": "/az"}, home),
			facts: Facts{FingerprintDigest: "d1"},
			files: []string{filepath.Join("/az", "azureProfile.json")},
			want: func(r *sdk.Request, k *cache.Key) {
				r.ClientID, r.AuthorityHost = "", ""
				r.Extra = map[string]string{"subscription": "sub"}
				k.Extra = `{"p":{"subscription":"sub"},"cli":"d1"}`
			},
		},
		{
			name: "azurecli: the profile in the home directory", mode: modes.AzureCLI,
			env:   env(nil, home),
			facts: Facts{FingerprintDigest: "d2"},
			files: []string{filepath.Join(home, ".azure", "azureProfile.json")},
			want: func(r *sdk.Request, k *cache.Key) {
				r.ClientID, r.AuthorityHost = "", ""
				k.Extra = `{"cli":"d2"}`
			},
		},
		{
			name: "azurecli: no home and no AZURE_CONFIG_DIR fingerprints nothing", mode: modes.AzureCLI,
			env:  env(map[string]string{"AZURE_CONFIG_DIR": ""}, ""),
			want: func(r *sdk.Request, _ *cache.Key) { r.ClientID, r.AuthorityHost = "", "" },
		},
		{
			name: "azd: both sign-in files in AZD_CONFIG_DIR", mode: modes.AzD,
			env:   env(map[string]string{"AZD_CONFIG_DIR": "/azd"}, home),
			facts: Facts{FingerprintDigest: "d3"},
			files: []string{filepath.Join("/azd", "auth.json"), filepath.Join("/azd", "config.json")},
			want: func(r *sdk.Request, k *cache.Key) {
				r.ClientID, r.AuthorityHost = "", ""
				k.Extra = `{"cli":"d3"}`
			},
		},
		{
			name: "workloadidentity: the token file keys the cache", mode: modes.WorkloadIdentity,
			set: func(t *options.Token) { t.FederatedTokenFile = "/var/run/token" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.FederatedTokenFile = "/var/run/token"
				k.Extra = `{"f":"/var/run/token"}`
			},
		},
		{
			name: "azurepipelines: the service connection travels as an extra setting", mode: modes.AzurePipelines,
			set: func(t *options.Token) { t.PipelinesConnectionID = "conn" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Extra = map[string]string{"service_connection_id": "conn"}
				k.Extra = `{"p":{"service_connection_id":"conn"}}`
			},
		},
		{
			name: "third-party opaque mode: declared args, no audience, only accepted settings", mode: "corp-sso",
			set: func(t *options.Token) {
				t.ProviderArgs = map[string]string{"realm": "eu", "key": "k1"}
				t.LoginHint, t.ClientSecret, t.Password = "ann", "s3cret", "pw"
			},
			env:   env(map[string]string{"CORP_DIR": "/corp"}, home),
			facts: Facts{FingerprintDigest: "d4"},
			files: []string{filepath.Join("/corp", "eu.json")},
			aud:   "none",
			want: func(r *sdk.Request, k *cache.Key) {
				*r = sdk.Request{LoginMode: "corp-sso", LoginHint: "ann", Timeout: time.Minute,
					Extra: map[string]string{"realm": "eu", "key": "k1"}}
				k.Account = "ann"
				k.Extra = `{"p":{"key":"sha256:` + sha("k1") + `","realm":"eu"},"cli":"d4"}`
			},
		},
		{
			name: "third-party invalidation file from home when its variable is unset", mode: "corp-sso",
			set:   func(t *options.Token) { t.ProviderArgs = map[string]string{"realm": "us"} },
			env:   env(nil, home),
			files: []string{filepath.Join(home, ".corp", "us.json")},
			aud:   "none",
			want: func(r *sdk.Request, k *cache.Key) {
				*r = sdk.Request{LoginMode: "corp-sso", Timeout: time.Minute, Extra: map[string]string{"realm": "us"}}
				k.Extra = `{"p":{"realm":"us"}}`
			},
		},
		{
			name: "a secret reaches only a mode that declares its kind", mode: modes.DeviceCode,
			set: func(t *options.Token) {
				t.ClientSecret, t.ClientCertificate, t.ClientCertificatePassword, t.Username, t.Password = "s", "/c.pfx", "cpw", "u", "pw"
			},
		},
		{
			name: "ropc gets the user's password, not the service principal's secret", mode: modes.ROPC,
			set: func(t *options.Token) { t.Username, t.Password, t.ClientSecret = "u", "pw", "s" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.Username, r.Credentials.Password = "u", "pw"
				k.Account = "u"
			},
		},
		{
			name: "legacy: a v1 resource whose tokens carry spn:", mode: modes.DeviceCode,
			set:  func(t *options.Token) { t.Legacy = true },
			aud:  "spn:" + server,
			want: func(r *sdk.Request, k *cache.Key) { r.Legacy, k.Legacy = true, true },
		},
		{
			name: "legacy spn", mode: modes.SPN,
			set:  func(t *options.Token) { t.Legacy = true; t.ClientSecret = "s" },
			aud:  "spn:" + server,
			want: func(r *sdk.Request, k *cache.Key) { r.Legacy, k.Legacy, r.Credentials.ClientSecret = true, true, "s" },
		},
		{
			name: "a trailing slash on the server id is not part of the audience or key", mode: modes.DeviceCode,
			set:  func(t *options.Token) { t.ServerID = server + "/" },
			want: func(*sdk.Request, *cache.Key) {},
		},
		{
			name: "a server id given as a scope", mode: modes.DeviceCode,
			set: func(t *options.Token) { t.ServerID = server + "/.default" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.Resource, k.ServerID = server+"/.default", server+"/.default"
			},
		},
		{
			name: "sovereign cloud by --environment", mode: modes.DeviceCode,
			set: func(t *options.Token) { t.Environment = "AzureChinaCloud" },
			want: func(r *sdk.Request, k *cache.Key) {
				r.AuthorityHost, k.AuthorityHost = "https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/"
			},
		},
		{
			name: "--authority-host wins and instance discovery can be off", mode: modes.SPN,
			set: func(t *options.Token) {
				t.AuthorityHost, t.Environment, t.DisableInstanceDiscovery = "https://login.example/", "AzureChinaCloud", true
				t.ClientSecret = "s"
			},
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.ClientSecret = "s"
				r.DisableInstanceDiscovery = true
				r.AuthorityHost, k.AuthorityHost = "https://login.example/", "https://login.example/"
			},
		},
		{
			name: "pop: the request binds the host's key, the key covers key and sorted claims", mode: modes.SPN,
			set:    func(t *options.Token) { t.PoPEnabled, t.PoPClaims, t.ClientSecret = true, "u=/arm/id, b=2", "s" },
			facts:  Facts{PoP: pop},
			claims: map[string]string{"u": "/arm/id", "b": "2"},
			want: func(r *sdk.Request, k *cache.Key) {
				r.Credentials.ClientSecret = "s"
				r.PoP = &sdk.PoPRequest{ReqCnf: "cnf"}
				k.PoPKeyID, k.PoPClaims = "kid", "b=2,u=/arm/id"
			},
		},
		{
			name: "pop interactive", mode: modes.Interactive,
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
				tt.set(tok)
			}
			p, err := New(tok, row(t, tt.mode), tt.env)
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
			if tt.aud == "none" {
				wantAud = ""
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
		mode string
		set  func(*options.Token)
		want string
	}{
		{"no server id", modes.DeviceCode, func(t *options.Token) { t.ServerID = "" }, "--server-id is required: give the cluster's server application id"},
		{"unknown cloud", modes.DeviceCode, func(t *options.Token) { t.Environment = "Mars" }, `unknown --environment "Mars"`},
		{"pop claims without u", modes.SPN, func(t *options.Token) { t.PoPEnabled, t.PoPClaims, t.ClientSecret = true, "x=1", "s" }, "the u claim"},
		{"client id required, variables named", modes.SPN, func(t *options.Token) { t.ClientID, t.ClientSecret = "", "s" },
			"--client-id is required for -l spn: pass it, or set AZURE_CLIENT_ID or AAD_SERVICE_PRINCIPAL_CLIENT_ID"},
		{"variables not named when the environment is off", modes.DeviceCode, func(t *options.Token) { t.TenantID, t.DisableEnvOverride = "", true },
			"--tenant-id is required for -l devicecode: pass it"},
		{"spn without a credential", modes.SPN, func(*options.Token) {},
			"-l spn needs a client secret or client certificate: pass --client-secret, or set AZURE_CLIENT_SECRET or AAD_SERVICE_PRINCIPAL_CLIENT_SECRET; or --client-certificate"},
		{"spn with another mode's credential", modes.SPN, func(t *options.Token) { t.Username, t.Password = "u", "p" }, "-l spn needs a client secret"},
		{"ropc with a user name only", modes.ROPC, func(t *options.Token) { t.Username = "u" }, "-l ropc needs a username and password: pass --username and --password"},
		{"pipelines without a service connection", modes.AzurePipelines, func(*options.Token) {},
			"--azure-pipelines-service-connection-id is required for -l azurepipelines (id of the Azure Pipelines service connection to sign in with): pass it, or set AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"},
		{"third-party required arg", "corp-sso", func(*options.Token) {}, "-l corp-sso needs provider arg realm (the realm): add --provider-arg realm=VALUE"},
		{"undeclared arg", "corp-sso", func(t *options.Token) { t.ProviderArgs = map[string]string{"realm": "eu", "b": "2"} },
			`login mode corp-sso takes no provider arg "b": remove --provider-arg b=... (it takes realm, key)`},
		{"arg to a mode without args", modes.DeviceCode, func(t *options.Token) { t.ProviderArgs = map[string]string{"x": "1"} }, "(it takes none)"},
		{"third-party server id is not required", "corp-sso", func(t *options.Token) { t.ServerID = "" }, "needs provider arg realm"},
		{"pop without the capability", modes.DeviceCode, func(t *options.Token) { t.PoPEnabled, t.PoPClaims = true, "u=/x" },
			"login mode devicecode does not support --pop-enabled"},
		{"legacy without the capability", modes.Interactive, func(t *options.Token) { t.Legacy = true }, "login mode interactive does not support --legacy"},
		{"legacy for an opaque mode", "corp-sso", func(t *options.Token) { t.Legacy = true }, "login mode corp-sso does not support --legacy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token(tt.mode)
			tt.set(tok)
			_, err := New(tok, row(t, tt.mode), Env{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			for _, secret := range []string{"s3cret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret: %q", err)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		mode    string
		tok     sdk.Token
		wantErr bool
	}{
		{"corp-sso", sdk.Token{AccessToken: "x", ExpiresAt: time.Unix(1, 0)}, false},
		{"corp-sso", sdk.Token{AccessToken: "x"}, true},
		{modes.DeviceCode, sdk.Token{AccessToken: "x"}, false}, // its expiry is in the JWT
	} {
		tok := token(tt.mode)
		tok.ProviderArgs = map[string]string{}
		if tt.mode == "corp-sso" {
			tok.ProviderArgs["realm"] = "eu"
		}
		p, err := New(tok, row(t, tt.mode), Env{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(&tt.tok); (err != nil) != tt.wantErr {
			t.Errorf("%s: Check(%+v) = %v, want error %t", tt.mode, tt.tok.ExpiresAt, err, tt.wantErr)
		}
	}
}

// TestKeysSeparate checks that each fact the plan is bound with leads to
// another cache entry, and that binding leaves the plan as it was.
func TestKeysSeparate(t *testing.T) {
	tok := token(modes.Interactive)
	tok.PoPEnabled, tok.PoPClaims = true, "u=/arm/id"
	p, err := New(tok, row(t, modes.Interactive), Env{Home: "/h"})
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
	tok := token("x")
	tok.FederatedTokenFile, tok.ProviderArgs = "/f", map[string]string{"z": "1", "a": "2"}
	spec := sdk.ModeSpec{
		LoginMode: "x", Description: "x", Token: sdk.TokenEntraID,
		Settings: []sdk.SettingSpec{sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingFederatedTokenFile)},
		Args:     []sdk.ProviderArg{{Name: "a", Description: "a"}, {Name: "z", Description: "z"}},
	}
	p, err := New(tok, modes.Mode{Spec: spec}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	_, k := p.Bind(Facts{FingerprintDigest: "d"})
	if want := `{"f":"/f","p":{"a":"2","z":"1"},"cli":"d"}`; k.Extra != want {
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

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestSecretArgFromEnvironment: a secret provider arg that
// convert-kubeconfig wrote into the exec env (KUBELOGIN_PROVIDER_ARG_KEY)
// is resolved before planning, reaches the provider in Extra like one
// given with --provider-arg, and the cache key holds only its hash.
func TestSecretArgFromEnvironment(t *testing.T) {
	vault := corpSSO
	vault.Args = []sdk.ProviderArg{{Name: "realm", Description: "the realm"}, {Name: "key", Description: "an API key", Required: true, Secret: true}}
	vars := map[string]string{"KUBELOGIN_PROVIDER_ARG_KEY": "env-k1", "KUBELOGIN_PROVIDER_ARG_REALM": "env-realm"}
	getenv := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	tests := []struct {
		name    string
		set     func(*options.Token)
		want    map[string]string // the request's Extra
		wantErr string
	}{
		{name: "from the variable", want: map[string]string{"key": "env-k1"}},
		{name: "--provider-arg wins", set: func(t *options.Token) { t.ProviderArgs = map[string]string{"key": "flag-k1", "realm": "eu"} },
			want: map[string]string{"key": "flag-k1", "realm": "eu"}},
		{name: "ignored with --disable-environment-override", set: func(t *options.Token) { t.DisableEnvOverride = true },
			wantErr: "-l corp-sso needs provider arg key (an API key): add --provider-arg key=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token("corp-sso")
			if tt.set != nil {
				tt.set(tok)
			}
			if err := tok.ApplyArgEnv("corp-sso", vault.Args, getenv); err != nil {
				t.Fatal(err)
			}
			p, err := New(tok, modes.Mode{Spec: vault}, Env{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req, k := p.Bind(Facts{})
			if !reflect.DeepEqual(req.Extra, tt.want) {
				t.Errorf("Extra %v, want %v", req.Extra, tt.want)
			}
			if strings.Contains(k.Extra, tt.want["key"]) || !strings.Contains(k.Extra, `"key":"sha256:`+sha(tt.want["key"])) {
				t.Errorf("cache key extra %s, want the secret arg by its hash only", k.Extra)
			}
		})
	}

	// Required and missing: the error names the variable.
	tok := token("corp-sso")
	if err := tok.ApplyArgEnv("corp-sso", vault.Args, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatal(err)
	}
	_, err := New(tok, modes.Mode{Spec: vault}, Env{})
	want := "-l corp-sso needs the secret provider arg key (an API key): set KUBELOGIN_PROVIDER_ARG_KEY in the exec env (convert-kubeconfig --provider-arg key=VALUE writes it there), or add --provider-arg key=VALUE to get-token's args"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
