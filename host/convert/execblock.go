package convert

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
)

const (
	apiV1      = "client.authentication.k8s.io/v1"
	apiV1beta1 = "client.authentication.k8s.io/v1beta1"
	// installHint is what kubectl prints when the command is not found.
	installHint = "kubelogin is not installed which is required to connect to AAD enabled cluster. To learn more, please go to https://github.com/kubelogin-dev/kubelogin"
)

// newUserValue is the converted user: the old mapping with the azure
// auth-provider removed and a new exec block in place of the old one.
// Other keys of the user stay as they were.
func newUserValue(old *yaml.Node, a auth, exec *yaml.Node) *yaml.Node {
	out := mapNode()
	placed := false
	if old = deref(old); !isNull(old) {
		for i := 0; i+1 < len(old.Content); i += 2 {
			key := scalarString(old.Content[i])
			// Another auth-provider next to a kubelogin exec is not ours to drop.
			if key != "exec" && (key != "auth-provider" || a.provider == nil) {
				out.Content = append(out.Content, old.Content[i], old.Content[i+1])
				continue
			}
			if !placed {
				out.Content = append(out.Content, strNode("exec"), exec)
				placed = true
			}
		}
	}
	if !placed {
		out.Content = append(out.Content, strNode("exec"), exec)
	}
	return out
}

// newExec builds the exec block kubectl runs. It keeps from an existing
// kubelogin exec the command path, a v1 or v1beta1 apiVersion, a non-empty
// installHint, a valid interactiveMode, provideClusterInfo and env entries
// that are not kubelogin's own settings.
func newExec(a auth, mode string, args []string, azureConfigDir string, secrets map[string]string) *yaml.Node {
	get := func(key string) *yaml.Node {
		if a.exec == nil {
			return nil
		}
		_, v := mapGet(a.exec.node, key)
		return v
	}
	pairs := []*yaml.Node{}
	put := func(key string, v *yaml.Node) { pairs = append(pairs, strNode(key), v) }

	api := get("apiVersion")
	if s := scalarString(api); s != apiV1 && s != apiV1beta1 {
		api = strNode(apiV1beta1)
	}
	put("apiVersion", api)
	argNodes := make([]*yaml.Node, len(args))
	for i, s := range args {
		argNodes[i] = strNode(s)
	}
	put("args", seqNode(argNodes...))
	cmd := get("command")
	if cmd == nil {
		cmd = strNode("kubelogin")
	}
	put("command", cmd)
	if env := execEnv(a, mode, azureConfigDir, args, secrets); len(env) > 0 {
		put("env", seqNode(env...))
	}
	hint := get("installHint")
	if scalarString(hint) == "" {
		hint = strNode(installHint)
	}
	put("installHint", hint)
	im := get("interactiveMode")
	switch scalarString(im) {
	case "Never", "IfAvailable", "Always":
		put("interactiveMode", im)
	default:
		if scalarString(api) == apiV1 { // required by kubectl for v1
			put("interactiveMode", strNode("IfAvailable"))
		}
	}
	pci := get("provideClusterInfo")
	if s := scalarString(pci); s != "true" && s != "false" {
		pci = boolNode(false)
	}
	put("provideClusterInfo", pci)
	return mapNode(pairs...)
}

// execEnv keeps the existing env entries except the ones kubelogin
// manages: AAD_LOGIN_METHOD, which would override the --login just written,
// is dropped; AZURE_CONFIG_DIR, which only azurecli uses, is set from
// --azure-config-dir, else kept; the secrets' variables (secret flags' and
// secret provider args') hold exactly the secrets this user gets. A managed entry is replaced where it stood, so a
// second run changes nothing; new ones are appended.
func execEnv(a auth, mode, azureConfigDir string, args []string, secrets map[string]string) []*yaml.Node {
	type want struct{ name, value string }
	var wants []want
	if mode == modes.AzureCLI && azureConfigDir != "" {
		wants = append(wants, want{"AZURE_CONFIG_DIR", azureConfigDir})
	}
	for _, f := range secretFlags {
		if v, ok := secrets[f]; ok {
			wants = append(wants, want{envName(f, args), v})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(secrets)) {
		if name, ok := strings.CutPrefix(key, argSecretKey); ok {
			wants = append(wants, want{options.ArgVar(name), secrets[key]})
		}
	}
	entry := func(w want) *yaml.Node {
		return mapNode(strNode("name"), strNode(w.name), strNode("value"), strNode(w.value))
	}
	placed := map[string]bool{}
	var out []*yaml.Node
	if a.exec != nil {
		for _, e := range a.exec.env {
			_, secret := isSecretEnv(e.name)
			// A secret provider arg's entry, of any mode: converting to
			// another mode drops it.
			secret = secret || strings.HasPrefix(e.name, options.ArgVarPrefix)
			managed := secret || e.name == "AAD_LOGIN_METHOD" || e.name == "AZURE_CONFIG_DIR"
			if !managed {
				out = append(out, e.node)
				continue
			}
			for _, w := range wants {
				if w.name == e.name && !placed[w.name] {
					out = append(out, entry(w))
					placed[w.name] = true
				}
			}
			if e.name == "AZURE_CONFIG_DIR" && mode == modes.AzureCLI && azureConfigDir == "" && !placed[e.name] {
				out = append(out, e.node)
				placed[e.name] = true
			}
		}
	}
	for _, w := range wants {
		if !placed[w.name] {
			out = append(out, entry(w))
		}
	}
	return out
}
