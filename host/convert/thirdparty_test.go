package convert

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// corpSSO is a third-party mode as its provider declares it.
var corpSSO = sdk.ModeSpec{
	LoginMode: "corp-sso", Description: "corporate single sign-on",
	Settings: []sdk.SettingSpec{sdk.Accept(sdk.SettingLoginHint)},
	Args: []sdk.ProviderArg{
		{Name: "realm", Description: "the realm", Required: true},
		{Name: "region", Description: "the region"},
	},
	Token: sdk.TokenOpaque,
}

// runThirdParty runs convert-kubeconfig where corp-sso is installed.
func runThirdParty(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCmd(iostreams.IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}, func(o *Options) error {
		o.Getenv = func(string) (string, bool) { return "", false }
		o.LockTimeout = 200e6
		o.ThirdParty = func(name string) (modes.Mode, error) {
			if name != corpSSO.LoginMode {
				return modes.Mode{}, errors.New("no provider for login mode " + name)
			}
			return modes.Mode{Spec: corpSSO}, nil
		}
		return Run(o)
	})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return result{err: err, stdout: out.String(), stderr: errOut.String()}
}

func TestConvertThirdParty(t *testing.T) {
	tests := []struct {
		name    string
		args    [][]string // successive runs on the same file
		want    []string   // args after the last run
		wantErr string
	}{
		{
			name: "declared args in spec order, only accepted settings",
			args: [][]string{{"--provider-arg", "region=eu", "--provider-arg", "realm=corp", "--login-hint", "ann", "--client-id", "x"}},
			want: []string{"get-token", "--login", "corp-sso", "--login-hint", "ann", "--provider-arg", "realm=corp", "--provider-arg", "region=eu"},
		},
		{
			name: "re-converting keeps the args and the hint",
			args: [][]string{{"--provider-arg", "realm=corp", "--login-hint", "ann"}, {}},
			want: []string{"get-token", "--login", "corp-sso", "--login-hint", "ann", "--provider-arg", "realm=corp"},
		},
		{
			name: "an arg given again replaces the kept one",
			args: [][]string{{"--provider-arg", "realm=corp"}, {"--provider-arg", "realm=lab"}},
			want: []string{"get-token", "--login", "corp-sso", "--provider-arg", "realm=lab"},
		},
		{name: "a required arg is missing", args: [][]string{{}}, wantErr: `has no provider arg realm for -l corp-sso (the realm): pass --provider-arg realm=VALUE`},
		{name: "an undeclared arg", args: [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "zone=1"}}, wantErr: "-l corp-sso: --provider-arg zone: it takes no such provider arg"},
		{name: "not installed", args: [][]string{{"-l", "other"}}, wantErr: `login mode "other" (from -l) is neither one of devicecode`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config", fixture(t, "aks.yaml"))
			var r result
			for _, a := range tt.args {
				args := append([]string{"--kubeconfig", path, "-l", "corp-sso"}, a...)
				if r = runThirdParty(t, args...); r.err != nil {
					break
				}
			}
			if tt.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", r.err, tt.wantErr)
				}
				return
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			if got := userOf(t, parsed(t, path), aksU).Exec.Args; !slices.Equal(got, tt.want) {
				t.Errorf("args\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
