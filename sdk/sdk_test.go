package sdk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
)

func fullRequest() *Request {
	return &Request{
		LoginMode: "m", TenantID: "t", ClientID: "c", ServerID: "s", Scopes: []string{"s/.default"},
		Legacy: true, Resource: "r", AuthorityHost: "https://a/", Environment: "e", DisableInstanceDiscovery: true,
		Credentials: Credentials{ClientSecret: "SECRET-1", ClientCertificatePath: "/c", ClientCertificatePassword: "SECRET-2",
			Username: "u", Password: "SECRET-3", FederatedTokenFile: "/f", IdentityResourceID: "/id",
			OIDCRequestURL: "https://oidc", OIDCRequestToken: "SECRET-7"},
		LoginHint: "lh", RedirectURL: "http://localhost", Timeout: 90 * time.Second, UserPresent: true,
		State: []byte("SECRET-6"), PoP: &PoPRequest{ReqCnf: "cnf"}, Extra: map[string]string{"k": "v"},
	}
}

// TestRequestRoundTrip fails when a field is added to Request but not to
// the wire conversion.
func TestRequestRoundTrip(t *testing.T) {
	in := fullRequest()
	v := reflect.ValueOf(*in)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("fullRequest leaves %s unset: set it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	if out := requestFromProto(requestToProto(in)); !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the request:\n in %#v\nout %#v", in, out)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	r := fullRequest()
	tok := Token{AccessToken: "SECRET-4", State: []byte("SECRET-5"), ExpiresAt: time.Unix(0, 0), TokenType: "Bearer"}
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
	get func(ctx context.Context, req *Request, ui UI) (*Token, error)
}

func (s scripted) Describe() Info {
	return Info{Name: "scripted", Version: "1.2.3", LoginModes: []string{"a", "b"}, Capabilities: Capabilities{PoP: true, Stateful: true}}
}

func (s scripted) GetToken(ctx context.Context, req *Request, ui UI) (*Token, error) {
	return s.get(ctx, req, ui)
}

// recorder is a UI that remembers what it was asked to show.
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
func (r *recorder) DeviceCode(dc DeviceCode) error {
	r.events = append(r.events, fmt.Sprintf("device:%s:%s:%d:%s", dc.VerificationURI, dc.UserCode, dc.ExpiresAt.Unix(), dc.Message))
	return nil
}

func connect(t *testing.T, p Provider) *Client {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, PluginSets(p)[ProtocolVersion])
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(*Client)
}

func TestClientServer(t *testing.T) {
	exp := time.Unix(2000000000, 0)
	tests := []struct {
		name       string
		get        func(ctx context.Context, req *Request, ui UI) (*Token, error)
		timeout    time.Duration
		wantEvents []string
		wantToken  *Token
		wantCode   ErrorCode
		wantMsg    string
	}{
		{
			name: "events then token",
			get: func(ctx context.Context, req *Request, ui UI) (*Token, error) {
				ui.Progress("starting")
				ui.DeviceCode(DeviceCode{VerificationURI: "https://x/device", UserCode: "ABC", ExpiresAt: exp, Message: "enter ABC"})
				ui.OpenURL("https://x/authorize", "sign in")
				ui.Message("done")
				return &Token{AccessToken: "at", ExpiresAt: exp, TokenType: "pop", State: req.State, Account: "alice"}, nil
			},
			wantEvents: []string{"progress:starting", "device:https://x/device:ABC:2000000000:enter ABC", "open:https://x/authorize:sign in", "message:done"},
			wantToken:  &Token{AccessToken: "at", ExpiresAt: exp, TokenType: "pop", State: []byte("SECRET-6"), Account: "alice"},
		},
		{
			name: "classified error",
			get: func(context.Context, *Request, UI) (*Token, error) {
				return nil, fmt.Errorf("wrapped: %w", &Error{Code: CodeInvalidGrant, Message: "AADSTS700082: expired", AADSTS: []int64{700082}})
			},
			wantCode: CodeInvalidGrant, wantMsg: "AADSTS700082: expired",
		},
		{
			name:     "plain error",
			get:      func(context.Context, *Request, UI) (*Token, error) { return nil, errors.New("boom") },
			wantCode: CodeUnspecified, wantMsg: "boom",
		},
		{
			name:     "nil token",
			get:      func(context.Context, *Request, UI) (*Token, error) { return nil, nil },
			wantCode: CodeUnspecified, wantMsg: "neither a token nor an error",
		},
		{
			name: "request timeout applied by the server",
			get: func(ctx context.Context, _ *Request, _ UI) (*Token, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			timeout:  50 * time.Millisecond,
			wantCode: CodeCancelled,
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
				var e *Error
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
	if CodeOf(fmt.Errorf("x: %w", Errorf(CodeClockSkew, "skew %d", 5))) != CodeClockSkew || CodeOf(errors.New("x")) != CodeUnspecified {
		t.Fatal("CodeOf does not follow the error chain")
	}
	if CodeInvalidGrant.String() != "invalid_grant" || ErrorCode(99).String() != "code(99)" {
		t.Fatal("ErrorCode names wrong")
	}
}
