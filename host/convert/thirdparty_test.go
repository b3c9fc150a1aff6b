package convert

import (
	"bytes"
	"errors"
	"os"
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
		{Name: "api-key", Description: "the API key", Secret: true},
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
			_, ok := convertRuns(t, path, tt.args, tt.wantErr)
			if !ok {
				return
			}
			if got := userOf(t, parsed(t, path), aksU).Exec.Args; !slices.Equal(got, tt.want) {
				t.Errorf("args\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestConvertThirdPartySecretArg: a provider arg its spec marks secret goes
// to the exec env as KUBELOGIN_PROVIDER_ARG_<NAME>, never into args, and
// makes the file private, like a first-party secret.
func TestConvertThirdPartySecretArg(t *testing.T) {
	const secretVar = "KUBELOGIN_PROVIDER_ARG_API_KEY"
	wantArgs := []string{"get-token", "--login", "corp-sso", "--provider-arg", "realm=corp"}
	tests := []struct {
		name    string
		args    [][]string // successive runs on the same file, each after -l corp-sso
		wantEnv string     // the variable's value after the last run, "" for no entry
		stderr  []string   // in the last run's stderr
		wantErr string
	}{
		{
			name: "written to env", args: [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "api-key=s3cret"}}, wantEnv: "s3cret",
			stderr: []string{
				"the secret provider arg api-key given with --provider-arg is now stored in clear text in the exec env of ",
				"as " + secretVar, "made private, as it now holds a secret: ",
			},
		},
		{
			name: "kept on re-conversion", args: [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "api-key=s3cret"}, {}}, wantEnv: "s3cret",
			stderr: []string{"nothing to convert"},
		},
		{
			name:    "replaced when given again",
			args:    [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "api-key=s3cret"}, {"--provider-arg", "api-key=n3w"}},
			wantEnv: "n3w",
		},
		{
			name: "dropped when converting to another mode",
			args: [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "api-key=s3cret"}, {"-l", "devicecode", "--server-id", "s", "--client-id", "c", "--tenant-id", "t"}},
		},
		{
			name:    "refused with --disable-environment-override",
			args:    [][]string{{"--provider-arg", "realm=corp", "--provider-arg", "api-key=s3cret", "--disable-environment-override"}},
			wantErr: "--disable-environment-override would make get-token ignore the exec env that holds its secret provider arg api-key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config", fixture(t, "aks.yaml"))
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			r, ok := convertRuns(t, path, tt.args, tt.wantErr)
			if !ok {
				return
			}
			for _, want := range tt.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "s3cret") || strings.Contains(r.stderr, "n3w") {
				t.Errorf("stderr shows the secret:\n%s", r.stderr)
			}
			u := userOf(t, parsed(t, path), aksU)
			got := ""
			for _, e := range u.Exec.Env {
				if e.Name == secretVar {
					got = e.Value
				}
			}
			if got != tt.wantEnv {
				t.Errorf("%s = %q, want %q (env %v)", secretVar, got, tt.wantEnv, u.Exec.Env)
			}
			if tt.wantEnv == "" {
				return
			}
			if !slices.Equal(u.Exec.Args, wantArgs) {
				t.Errorf("args\n got %q\nwant %q", u.Exec.Args, wantArgs)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v (%v), want 0600", info.Mode().Perm(), err)
			}
		})
	}
}

// TestConvertThirdPartySecretArgFromArgs: a secret arg that an older
// conversion left in the args moves to the exec env on re-conversion.
func TestConvertThirdPartySecretArgFromArgs(t *testing.T) {
	const config = `apiVersion: v1
kind: Config
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, corp-sso, --provider-arg, realm=corp, --provider-arg, api-key=old]
`
	path := writeFile(t, t.TempDir(), "config", config)
	if r := runThirdParty(t, "--kubeconfig", path, "-l", "corp-sso"); r.err != nil {
		t.Fatal(r.err)
	}
	u := userOf(t, parsed(t, path), "u")
	if want := []string{"get-token", "--login", "corp-sso", "--provider-arg", "realm=corp"}; !slices.Equal(u.Exec.Args, want) {
		t.Errorf("args\n got %q\nwant %q", u.Exec.Args, want)
	}
	if len(u.Exec.Env) != 1 || u.Exec.Env[0].Name != "KUBELOGIN_PROVIDER_ARG_API_KEY" || u.Exec.Env[0].Value != "old" {
		t.Errorf("env %v, want the secret arg's entry", u.Exec.Env)
	}
}

// convertRuns converts path to corp-sso once per entry of runs (each adding
// its flags), stopping at the first error. With wantErr set it checks the
// error and reports false; otherwise any error fails the test.
func convertRuns(t *testing.T, path string, runs [][]string, wantErr string) (result, bool) {
	t.Helper()
	var r result
	for _, a := range runs {
		args := append([]string{"--kubeconfig", path, "-l", "corp-sso"}, a...)
		if r = runThirdParty(t, args...); r.err != nil {
			break
		}
	}
	if wantErr != "" {
		if r.err == nil || !strings.Contains(r.err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", r.err, wantErr)
		}
		return r, false
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r, true
}
