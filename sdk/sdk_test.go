package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/client"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

func fullRequest() *sdk.Request {
	return &sdk.Request{
		LoginMode: "m", TenantID: "t", ClientID: "c", Scopes: []string{"s/.default"},
		Legacy: true, Resource: "r", AuthorityHost: "https://a/", DisableInstanceDiscovery: true,
		Credentials: sdk.Credentials{ClientSecret: "SECRET-1", ClientCertificatePath: "/c", ClientCertificatePassword: "SECRET-2",
			Username: "u", Password: "SECRET-3", FederatedTokenFile: "/f", IdentityResourceID: "/id",
			OIDCRequestURL: "https://oidc", OIDCRequestToken: "SECRET-7"},
		LoginHint: "lh", RedirectURL: "http://localhost", Timeout: 90 * time.Second,
		State: []byte("SECRET-6"), PoP: &sdk.PoPRequest{ReqCnf: "cnf"}, Extra: map[string]string{"k": "v"},
	}
}

// TestRequestRoundTrip fails when a field is added to sdk.Request but not to
// the wire conversions, the provider's or the client's.
func TestRequestRoundTrip(t *testing.T) {
	in := fullRequest()
	v := reflect.ValueOf(*in)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("fullRequest leaves %s unset: set it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	var got *sdk.Request
	c := connect(t, scripted{get: func(_ context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
		got = req
		return &sdk.Token{AccessToken: "at"}, nil
	}})
	if _, err := c.GetToken(context.Background(), in, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, got) {
		t.Fatalf("round trip changed the request:\n in %#v\nout %#v", in, got)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	r := fullRequest()
	tok := sdk.Token{AccessToken: "SECRET-4", State: []byte("SECRET-5"), ExpiresAt: time.Unix(0, 0)}
	for _, s := range []string{
		fmt.Sprintf("%v", r.Credentials), fmt.Sprintf("%+v", r.Credentials), fmt.Sprintf("%#v", r.Credentials),
		fmt.Sprintf("%s", r.Credentials), fmt.Sprintf("%v", *r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok),
	} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("formatted value leaks a secret: %s", s)
		}
	}
}

// scripted is a provider whose GetToken is a test function.
type scripted struct {
	get func(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error)
}

func (s scripted) Describe() sdk.Info {
	return sdk.Info{Name: "scripted", Version: "1.2.3", LoginModes: []string{"a", "b"}, Capabilities: sdk.Capabilities{PoP: true, Stateful: true}}
}

func (s scripted) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	return s.get(ctx, req, ui)
}

// recorder is a sdk.UI that remembers what it was asked to show.
type recorder struct{ events []string }

func (r *recorder) Message(text string) error {
	r.events = append(r.events, "message:"+text)
	return nil
}
func (r *recorder) Progress(text string) error {
	r.events = append(r.events, "progress:"+text)
	return nil
}
func (r *recorder) OpenURL(url, purpose string) error {
	r.events = append(r.events, "open:"+url+":"+purpose)
	return nil
}
func (r *recorder) DeviceCode(dc sdk.DeviceCode) error {
	r.events = append(r.events, fmt.Sprintf("device:%s:%s:%d:%s", dc.VerificationURI, dc.UserCode, dc.ExpiresAt.Unix(), dc.Message))
	return nil
}

// connect serves p in process on a loopback port and returns a client.
func connect(t *testing.T, p sdk.Provider) *client.Client {
	t.Helper()
	return client.New(dial(t, p))
}

func dial(t *testing.T, p sdk.Provider) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	pb.RegisterProviderServer(s, sdk.NewProviderServer(p))
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestClientServer(t *testing.T) {
	exp := time.Unix(2000000000, 0)
	tests := []struct {
		name       string
		get        func(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error)
		timeout    time.Duration
		wantEvents []string
		wantToken  *sdk.Token
		wantCode   sdk.ErrorCode
		wantMsg    string
	}{
		{
			name: "events then token",
			get: func(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
				ui.Progress("starting")
				ui.DeviceCode(sdk.DeviceCode{VerificationURI: "https://x/device", UserCode: "ABC", ExpiresAt: exp, Message: "enter ABC"})
				ui.OpenURL("https://x/authorize", "sign in")
				ui.Message("done")
				return &sdk.Token{AccessToken: "at", ExpiresAt: exp, State: req.State, Account: "alice"}, nil
			},
			wantEvents: []string{"progress:starting", "device:https://x/device:ABC:2000000000:enter ABC", "open:https://x/authorize:sign in", "message:done"},
			wantToken:  &sdk.Token{AccessToken: "at", ExpiresAt: exp, State: []byte("SECRET-6"), Account: "alice"},
		},
		{
			name: "classified error",
			get: func(context.Context, *sdk.Request, sdk.UI) (*sdk.Token, error) {
				return nil, fmt.Errorf("wrapped: %w", &sdk.Error{Code: sdk.CodeInvalidGrant, Message: "AADSTS700082: expired", AADSTS: []int64{700082}})
			},
			wantCode: sdk.CodeInvalidGrant, wantMsg: "AADSTS700082: expired",
		},
		{
			name:     "plain error",
			get:      func(context.Context, *sdk.Request, sdk.UI) (*sdk.Token, error) { return nil, errors.New("boom") },
			wantCode: sdk.CodeUnspecified, wantMsg: "boom",
		},
		{
			name:     "nil token",
			get:      func(context.Context, *sdk.Request, sdk.UI) (*sdk.Token, error) { return nil, nil },
			wantCode: sdk.CodeUnspecified, wantMsg: "neither a token nor an error",
		},
		{
			name: "request timeout applied by the server",
			get: func(ctx context.Context, _ *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			timeout:  50 * time.Millisecond,
			wantCode: sdk.CodeCancelled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connect(t, scripted{get: tt.get})
			req := fullRequest()
			req.Timeout = tt.timeout
			var ui recorder
			tok, err := c.GetToken(context.Background(), req, &ui)
			if tt.wantToken != nil {
				if err != nil || !reflect.DeepEqual(tok, tt.wantToken) {
					t.Fatalf("GetToken = %#v, %v", tok, err)
				}
			} else {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
					t.Fatalf("GetToken error = %#v, want code %s containing %q", err, tt.wantCode, tt.wantMsg)
				}
			}
			if !reflect.DeepEqual(ui.events, tt.wantEvents) {
				t.Fatalf("events = %q, want %q", ui.events, tt.wantEvents)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	info, err := connect(t, scripted{}).Describe(context.Background())
	if err != nil || !reflect.DeepEqual(info, scripted{}.Describe()) {
		t.Fatalf("Describe = %#v, %v", info, err)
	}
}

func TestCodeOf(t *testing.T) {
	if sdk.CodeOf(fmt.Errorf("x: %w", sdk.Errorf(sdk.CodeClockSkew, "skew %d", 5))) != sdk.CodeClockSkew || sdk.CodeOf(errors.New("x")) != sdk.CodeUnspecified {
		t.Fatal("sdk.CodeOf does not follow the error chain")
	}
	if sdk.CodeInvalidGrant.String() != "invalid_grant" || sdk.ErrorCode(99).String() != "code(99)" {
		t.Fatal("sdk.ErrorCode names wrong")
	}
}

// TestModeRoundTrip fails when a field is added to sdk.ModeSpec but not to the
// wire conversions.
func TestModeRoundTrip(t *testing.T) {
	in := sdk.FullSpec()
	v := reflect.ValueOf(in)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("FullSpec leaves %s unset: set it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	info, err := connect(t, described{Name: "n", Version: "1.0.0", Modes: []sdk.ModeSpec{in}}).Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Modes) != 1 || !reflect.DeepEqual(in, info.Modes[0]) {
		t.Fatalf("round trip changed the spec:\n in %#v\nout %#v", in, info.Modes)
	}
}

type described sdk.Info

func (d described) Describe() sdk.Info { return sdk.Info(d) }
func (described) GetToken(context.Context, *sdk.Request, sdk.UI) (*sdk.Token, error) {
	return nil, sdk.Errorf(sdk.CodeInvalidRequest, "unused")
}

// TestDescribeFillsV1Fields: a provider that declares only mode specs still
// reads right to a host that knows only login_modes and capabilities.
func TestDescribeFillsV1Fields(t *testing.T) {
	a, b := sdk.FullSpec(), sdk.FullSpec()
	a.LoginMode, a.Capabilities = "a", sdk.Capabilities{PoP: true}
	b.LoginMode, b.Capabilities = "b", sdk.Capabilities{Legacy: true}
	raw, err := pb.NewProviderClient(dial(t, described{Name: "n", Version: "1.0.0", Modes: []sdk.ModeSpec{a, b}})).Describe(context.Background(), &pb.DescribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if c := raw.GetCapabilities(); !reflect.DeepEqual(raw.LoginModes, []string{"a", "b"}) || !c.Pop || !c.Legacy || c.Interactive || c.Stateful {
		t.Fatalf("on the wire: login_modes %q, capabilities %v", raw.LoginModes, c)
	}
	info := client.InfoFromProto(raw)
	if m, ok := info.Mode("b"); !ok || m.LoginMode != "b" {
		t.Fatalf("Mode(b) = %v, %t", m, ok)
	}
	if _, ok := info.Mode("c"); ok {
		t.Fatal("Mode(c) found a mode that is not declared")
	}
}
