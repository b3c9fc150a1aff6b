package sdk

import (
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

func fullSpec() ModeSpec {
	return ModeSpec{
		LoginMode:          "m",
		Description:        "signs in somehow",
		Settings:           []SettingSpec{{SettingServerID, true}, {SettingLoginHint, false}},
		Credentials:        []CredentialKind{CredentialClientSecret, CredentialUsernamePassword},
		CredentialRequired: true,
		Args:               []ProviderArg{{Name: "file", Description: "the file", Required: true, Secret: true}},
		Token:              TokenEntraID,
		Capabilities:       Capabilities{Interactive: true, PoP: true, Legacy: true, Stateful: true},
		InvalidationFiles:  []InvalidationFile{{Paths: []string{"${X}/a", "~/a"}}},
	}
}

// TestEnumsMatchProto: the Go constants are sent as their numbers, so each
// must name the proto value of the same number.
func TestEnumsMatchProto(t *testing.T) {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", " ") }
	if len(Settings())+1 != len(pb.Setting_name) {
		t.Fatalf("Go declares %d settings, the proto %d", len(Settings()), len(pb.Setting_name)-1)
	}
	for _, s := range Settings() {
		if got := norm(strings.TrimPrefix(pb.Setting_name[int32(s)], "SETTING_")); got != strings.ToLower(s.String()) {
			t.Errorf("setting %d is %q in Go, %q in the proto", s, s, got)
		}
	}
	for k := CredentialClientSecret; k <= CredentialUsernamePassword; k++ {
		got := norm(strings.TrimPrefix(pb.CredentialKind_name[int32(k)], "CREDENTIAL_KIND_"))
		if strings.ReplaceAll(k.String(), " and ", " ") != got {
			t.Errorf("credential kind %d is %q in Go, %q in the proto", k, k, got)
		}
	}
	if len(pb.CredentialKind_name) != 4 || pb.TokenKind(TokenEntraID) != pb.TokenKind_TOKEN_KIND_ENTRA_ACCESS_TOKEN || pb.TokenKind(TokenOpaque) != pb.TokenKind_TOKEN_KIND_OPAQUE {
		t.Fatal("credential or token kinds differ between Go and the proto")
	}
}

// TestErrorCodesMatchProto: an error travels as its number, so every Go
// code must be the proto value of that number and name, and the proto must
// have no code Go lacks.
func TestErrorCodesMatchProto(t *testing.T) {
	if len(codeNames) != len(pb.ErrorCode_name) {
		t.Errorf("Go declares %d error codes, the proto %d", len(codeNames), len(pb.ErrorCode_name))
	}
	for num, name := range pb.ErrorCode_name {
		want := strings.ToLower(strings.TrimPrefix(name, "ERROR_CODE_"))
		if got := ErrorCode(num).String(); got != want {
			t.Errorf("proto error code %d is %s; Go calls %d %q", num, name, num, got)
		}
	}
}

func TestValidate(t *testing.T) {
	opaque := func(m *ModeSpec) {
		m.Token, m.Capabilities.PoP, m.Capabilities.Legacy = TokenOpaque, false, false
		m.Settings = nil
	}
	tests := []struct {
		name string
		edit func(*ModeSpec)
		want string // "" for well-formed
	}{
		{"full", func(*ModeSpec) {}, ""},
		{"opaque without server id", opaque, ""},
		{"bad name", func(m *ModeSpec) { m.LoginMode = "My Mode" }, "lower case letters"},
		{"no description", func(m *ModeSpec) { m.Description = " " }, "description must be one non-empty line"},
		{"two-line description", func(m *ModeSpec) { m.Description = "a\nb" }, "description must be one non-empty line"},
		{"unknown setting", func(m *ModeSpec) { m.Settings = append(m.Settings, SettingSpec{Setting: 42}) }, "unknown setting 42"},
		{"duplicate setting", func(m *ModeSpec) { m.Settings = append(m.Settings, SettingSpec{Setting: SettingLoginHint}) }, "login hint is declared twice"},
		{"unknown credential", func(m *ModeSpec) { m.Credentials = append(m.Credentials, 0) }, "unknown credential kind 0"},
		{"duplicate credential", func(m *ModeSpec) { m.Credentials = append(m.Credentials, CredentialClientSecret) }, "client secret is declared twice"},
		{"requires no credential it accepts", func(m *ModeSpec) { m.Credentials = nil }, "requires a credential but accepts none"},
		{"bad arg name", func(m *ModeSpec) { m.Args[0].Name = "File" }, `provider arg "File": the name`},
		{"duplicate arg", func(m *ModeSpec) { m.Args = append(m.Args, m.Args[0]) }, `provider arg "file" is declared twice`},
		{"arg without description", func(m *ModeSpec) { m.Args[0].Description = "" }, `provider arg "file": the description`},
		{"token undeclared", func(m *ModeSpec) { m.Token = TokenUnspecified }, "declare what the token is"},
		{"entra token without server id", func(m *ModeSpec) { m.Settings = nil }, "must require it"},
		{"entra token with optional server id", func(m *ModeSpec) { m.Settings[0].Required = false }, "must require it"},
		{"opaque PoP", func(m *ModeSpec) { opaque(m); m.Capabilities.PoP = true }, "cannot be a PoP or legacy"},
		{"opaque legacy", func(m *ModeSpec) { opaque(m); m.Capabilities.Legacy = true }, "cannot be a PoP or legacy"},
		{"file without path", func(m *ModeSpec) { m.InvalidationFiles = []InvalidationFile{{}} }, "invalidation file 1 has no path"},
		{"relative path", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{"a/b"} }, "not absolute"},
		{"drive letter", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{`C:\a`} }, ""},
		{"declared arg", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{"${arg:file}"} }, ""},
		{"undeclared arg", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{"${arg:other}"} }, "names no declared provider arg"},
		{"unclosed reference", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{"/a/${X"} }, "without a closing"},
		{"bad variable", func(m *ModeSpec) { m.InvalidationFiles[0].Paths = []string{"${A-B}/x"} }, "not an environment variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fullSpec()
			tt.edit(&m)
			err := m.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"DIR": "/cfg", "EMPTY": ""}[k]
		return v, ok
	}
	args := map[string]string{"file": "/run/token"}
	tests := []struct {
		paths []string
		home  string
		want  string // "" when nothing expands
	}{
		{[]string{"${DIR}/azureProfile.json", "~/.azure/azureProfile.json"}, "/home/u", "/cfg/azureProfile.json"},
		{[]string{"${UNSET}/azureProfile.json", "~/.azure/azureProfile.json"}, "/home/u", "/home/u/.azure/azureProfile.json"},
		{[]string{"${EMPTY}/p", "/fixed/p"}, "", "/fixed/p"},
		{[]string{"~/.azure/p"}, "", ""},
		{[]string{"${arg:file}"}, "", "/run/token"},
		{[]string{"${arg:other}"}, "", ""},
		{[]string{"/a/$DIR/b"}, "", "/a/$DIR/b"},
		{[]string{"/a/${DIR"}, "", ""},
	}
	for _, tt := range tests {
		got, ok := InvalidationFile{Paths: tt.paths}.Resolve(env, args, tt.home)
		if want := filepath.FromSlash(tt.want); got != want || ok != (tt.want != "") {
			t.Errorf("Resolve(%q, home %q) = %q, %t; want %q", tt.paths, tt.home, got, ok, want)
		}
	}
}
