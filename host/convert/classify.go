package convert

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/kubelogin-dev/kubelogin/host/options"
)

// auth is what a user's credentials are, as far as conversion cares.
type auth struct {
	convert  bool              // an Azure kubelogin exec or the azure auth-provider
	none     bool              // no credentials at all
	unknown  bool              // a kubelogin exec that is neither Azure's nor int128's plugin
	reason   string            // why a user is left alone, for the summary
	exec     *execInfo         // the kubelogin exec block, when there is one
	provider map[string]string // the azure auth-provider's config, when there is one
}

// execInfo is an existing kubelogin exec block.
type execInfo struct {
	node  *yaml.Node     // the exec mapping, to reuse command, apiVersion, installHint, env
	args  *options.Token // its get-token args, parsed exactly as get-token parses them
	env   []envEntry
	login string // the login mode the args select
}

type envEntry struct {
	name string
	node *yaml.Node
}

// envValue is the value of the exec env entry name, and whether there is one.
func (e *execInfo) envValue(name string) (string, bool) {
	for _, entry := range e.env {
		if entry.name == name {
			_, v := mapGet(entry.node, "value")
			return scalarString(v), true
		}
	}
	return "", false
}

type execFields struct {
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []any    `yaml:"env"` // checked to be a list; entries read one by one
}

// classify decides whether a user is converted. An exec user is Azure's
// kubelogin when the command's base name is kubelogin[.exe] and its args
// start with get-token; int128's OIDC kubelogin (oidc-login, --oidc-*
// flags) is another plugin and is left alone.
func classify(name string, value *yaml.Node) (auth, error) {
	v := deref(value)
	if isNull(v) {
		return auth{none: true, reason: "has no credentials"}, nil
	}
	if v.Kind != yaml.MappingNode {
		return auth{}, fmt.Errorf("user %q: its user field is not a mapping: fix the kubeconfig", name)
	}
	var a auth
	if _, ex := mapGet(v, "exec"); !isNull(ex) {
		info, leave, err := readExec(name, ex)
		if err != nil {
			return auth{}, err
		}
		if leave != nil {
			return *leave, nil
		}
		a.exec, a.convert = info, true
	}
	if _, ap := mapGet(v, "auth-provider"); !isNull(ap) {
		var p struct {
			Name   string            `yaml:"name"`
			Config map[string]string `yaml:"config"`
		}
		if err := ap.Decode(&p); err != nil {
			return auth{}, fmt.Errorf("user %q: cannot read its auth-provider: %s: fix the kubeconfig", name, oneLine(err))
		}
		if p.Name != "azure" && !a.convert {
			return auth{reason: fmt.Sprintf("uses the %s auth-provider", p.Name)}, nil
		}
		if p.Name == "azure" {
			if p.Config == nil {
				p.Config = map[string]string{}
			}
			a.provider, a.convert = p.Config, true
		}
	}
	if a.convert {
		return a, nil
	}
	for _, c := range []struct{ key, reason string }{
		{"token", "uses a bearer token"},
		{"tokenFile", "uses a bearer token"},
		{"client-certificate-data", "uses a client certificate"},
		{"client-certificate", "uses a client certificate"},
		{"username", "uses basic auth"},
	} {
		if _, kv := mapGet(v, c.key); !isNull(kv) {
			return auth{reason: c.reason}, nil
		}
	}
	return auth{none: true, reason: "has no credentials"}, nil
}

// readExec reads an exec block; leave says why a user is left alone when
// its plugin is not Azure's kubelogin.
func readExec(name string, ex *yaml.Node) (info *execInfo, leave *auth, err error) {
	var f execFields
	if err := ex.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("user %q: cannot read its exec block: %s: fix the kubeconfig", name, oneLine(err))
	}
	if !isKubelogin(f.Command) {
		return nil, &auth{reason: fmt.Sprintf("runs the exec plugin %q", f.Command)}, nil
	}
	for _, a := range f.Args {
		if a == "oidc-login" || strings.HasPrefix(a, "--oidc-") {
			return nil, &auth{reason: "runs int128's OIDC kubelogin, not Azure's"}, nil
		}
	}
	if len(f.Args) == 0 || f.Args[0] != "get-token" {
		// Flags before get-token, or no args: broken for both plugins, and
		// guessing could convert int128's. Not ours to fix, nor a reason
		// to leave every other user unconverted.
		return nil, &auth{unknown: true, reason: fmt.Sprintf("runs %s without get-token as its first arg, so it is neither Azure's nor int128's kubelogin", f.Command)}, nil
	}
	args, err := parseArgs(f.Args[1:])
	if err != nil {
		return nil, nil, fmt.Errorf("user %q: cannot read its kubelogin args: %s: fix them in the kubeconfig", name, oneLine(err))
	}
	info = &execInfo{node: deref(ex), args: args, login: args.LoginMode}
	_, envSeq := mapGet(ex, "env")
	if !isNull(envSeq) {
		for _, n := range deref(envSeq).Content {
			var e struct {
				Name string `yaml:"name"`
			}
			if err := n.Decode(&e); err != nil {
				return nil, nil, fmt.Errorf("user %q: cannot read its exec env: %s: fix the kubeconfig", name, oneLine(err))
			}
			info.env = append(info.env, envEntry{name: e.Name, node: n})
		}
	}
	return info, nil, nil
}

// isKubelogin matches the command's base name, whatever the directory or
// path separator (a Windows path may be read on Linux).
func isKubelogin(command string) bool {
	base := command[strings.LastIndexAny(command, `/\`)+1:]
	base = strings.ToLower(base)
	return base == "kubelogin" || base == "kubelogin.exe"
}

// parseArgs parses get-token args with the flag set get-token itself uses,
// so --flag value, --flag=value and the short forms read the same. Unknown
// flags (from newer or older versions) are skipped.
func parseArgs(args []string) (*options.Token, error) {
	fs := pflag.NewFlagSet("get-token", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	t := &options.Token{}
	t.AddFlags(fs)
	t.AddProviderArgFlag(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return t, nil
}
