package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
)

// result is one run of the command.
type result struct {
	err            error
	stdout, stderr string
}

// runCmd runs convert-kubeconfig with args through NewCmd, with env as the
// whole environment (so the machine's KUBECONFIG, HOME or AAD_LOGIN_METHOD
// never leak in).
func runCmd(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := iostreams.IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}
	cmd := NewCmd(streams, func(o *Options) error {
		o.Getenv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		o.LockTimeout = 200e6
		return Run(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.Execute()
	return result{err: err, stdout: out.String(), stderr: errOut.String()}
}

// writeFile writes content to name in dir and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readString(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	return readString(t, filepath.Join("testdata", name))
}

// execView is the part of a user's exec block the tests look at.
type execView struct {
	APIVersion      string   `yaml:"apiVersion"`
	Command         string   `yaml:"command"`
	Args            []string `yaml:"args"`
	Env             []struct{ Name, Value string }
	InstallHint     string `yaml:"installHint"`
	InteractiveMode string `yaml:"interactiveMode"`
}

type userView struct {
	Exec         *execView `yaml:"exec"`
	AuthProvider any       `yaml:"auth-provider"`
}

// parsed reads a kubeconfig with the package's own parser.
func parsed(t testing.TB, path string) *file {
	t.Helper()
	f, err := parseFile(path, []byte(readString(t, path)))
	if err != nil {
		t.Fatalf("result does not parse: %v", err)
	}
	return f
}

// userOf decodes one user of a kubeconfig.
func userOf(t testing.TB, f *file, name string) userView {
	t.Helper()
	for _, u := range f.users {
		if u.name == name {
			var v userView
			if err := u.value.Decode(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no user %q", name)
	return userView{}
}

// meanings maps each user (and the other top-level keys) to its canonical
// form, to check what changed.
func meanings(t testing.TB, f *file) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, u := range f.users {
		c, err := canonical(u.item)
		if err != nil {
			t.Fatal(err)
		}
		out["user/"+u.name] = c
	}
	for i := 0; i+1 < len(f.root.Content); i += 2 {
		if k := f.root.Content[i].Value; k != "users" {
			c, err := canonical(f.root.Content[i+1])
			if err != nil {
				t.Fatal(err)
			}
			out[k] = c
		}
	}
	return out
}

func iostreamsFor(t testing.TB) iostreams.IOStreams {
	t.Helper()
	var b bytes.Buffer
	return iostreams.IOStreams{In: &b, Out: &b, ErrOut: &b}
}
