package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// file is one kubeconfig file as read, with its parsed tree.
type file struct {
	path   string     // as named by --kubeconfig or KUBECONFIG; client-go's lock is path+".lock"
	data   []byte     // the bytes read, kept to splice edits into and to detect concurrent change
	isJSON bool       // written back as JSON
	doc    *yaml.Node // YAML document node; nil for JSON or an empty file
	root   *yaml.Node // top-level mapping; nil for an empty file
	users  []entry
	ctxs   []entry
}

// entry is one named item of the users or contexts list.
type entry struct {
	name  string
	item  *yaml.Node // the list item mapping
	key   *yaml.Node // its "user" or "context" key, nil when absent
	value *yaml.Node // that key's value, nil when absent
}

// kubeconfigPaths applies client-go's loading rules: --kubeconfig, else the
// KUBECONFIG list (missing files skipped, duplicates dropped), else
// ~/.kube/config.
func kubeconfigPaths(o *Options) ([]string, error) {
	if o.Kubeconfig != "" {
		if _, err := os.Stat(o.Kubeconfig); err != nil {
			return nil, fmt.Errorf("cannot read kubeconfig %s: %w: check --kubeconfig", o.Kubeconfig, unwrapPath(err))
		}
		return []string{o.Kubeconfig}, nil
	}
	if env, _ := o.Getenv("KUBECONFIG"); env != "" {
		var paths []string
		seen := map[string]bool{}
		for _, p := range filepath.SplitList(env) {
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			paths = append(paths, p)
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("none of the files in KUBECONFIG exist (%s): set KUBECONFIG to your kubeconfig or pass --kubeconfig", env)
		}
		return paths, nil
	}
	if o.home == "" {
		return nil, fmt.Errorf("cannot find the home directory for ~/.kube/config: neither HOME nor USERPROFILE is set: pass --kubeconfig")
	}
	p := filepath.Join(o.home, ".kube", "config")
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("cannot read kubeconfig %s: %w: pass --kubeconfig or set KUBECONFIG", p, unwrapPath(err))
	}
	return []string{p}, nil
}

// unwrapPath drops the *PathError wrapper whose path the message names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readFiles reads and parses every kubeconfig in paths.
func readFiles(paths []string) ([]*file, error) {
	files := make([]*file, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("cannot read kubeconfig %s: %w", p, unwrapPath(err))
		}
		f, err := parseFile(p, data)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// parseFile parses data as JSON when it is a JSON object (written back as
// JSON), else as a single YAML document.
func parseFile(path string, data []byte) (*file, error) {
	f := &file{path: path, data: data}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		root, err := parseJSON(trimmed)
		if err != nil {
			return nil, fmt.Errorf("cannot parse kubeconfig %s: %v: fix the JSON", path, err)
		}
		f.isJSON, f.root = true, root
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("cannot parse kubeconfig %s: %s: fix the YAML", path, oneLine(err))
		}
		if err == nil {
			var extra yaml.Node
			if err := dec.Decode(&extra); err != io.EOF {
				return nil, fmt.Errorf("kubeconfig %s holds more than one YAML document: kubectl reads only the first; split the file", path)
			}
			f.doc = &doc
			if len(doc.Content) > 0 && !isNull(doc.Content[0]) {
				f.root = deref(doc.Content[0])
			}
		}
	}
	if f.root != nil && f.root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("kubeconfig %s is not a kubeconfig: its top level is not a mapping", path)
	}
	if err := checkKind(f); err != nil {
		return nil, err
	}
	var err error
	if f.users, err = readList(f, "users", "user"); err != nil {
		return nil, err
	}
	if f.ctxs, err = readList(f, "contexts", "context"); err != nil {
		return nil, err
	}
	return f, nil
}

// passKubeconfig ends the errors about a file that is not a kubeconfig.
const passKubeconfig = "pass your kubeconfig with --kubeconfig or KUBECONFIG"

// kubeconfigKeys are the top-level keys of client-go's Config besides
// apiVersion, which every Kubernetes manifest has.
var kubeconfigKeys = []string{"kind", "clusters", "contexts", "users", "current-context", "preferences", "extensions"}

// checkKind refuses what kubectl refuses: a kind other than Config or an
// apiVersion other than v1 (a Pod manifest, a Deployment), either one not
// a string. Like kubectl it accepts a file with neither. Unlike kubectl,
// which reads any other mapping as an empty kubeconfig, it also refuses a
// mapping with none of a kubeconfig's keys: convert was pointed at the
// wrong file, and "nothing to convert" would hide that.
func checkKind(f *file) error {
	if f.root == nil {
		return nil
	}
	what := func(field string, v *yaml.Node) (string, error) {
		if isNull(v) {
			return "", nil
		}
		if v = deref(v); v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return "", fmt.Errorf("%s is not a kubeconfig: its %s is not a string, which kubectl refuses too: %s", f.path, field, passKubeconfig)
		}
		return v.Value, nil
	}
	_, kv := mapGet(f.root, "kind")
	kind, err := what("kind", kv)
	if err != nil {
		return err
	}
	_, av := mapGet(f.root, "apiVersion")
	api, err := what("apiVersion", av)
	if err != nil {
		return err
	}
	switch {
	case strings.EqualFold(kind, "Config") && kind != "Config":
		return fmt.Errorf("%s is not a kubeconfig: its kind is %q, not Config, which kubectl refuses too: %s", f.path, kind, passKubeconfig)
	case kind != "" && kind != "Config":
		return fmt.Errorf("%s is not a kubeconfig but a %s manifest (kind: %s), which kubectl refuses too: %s", f.path, kind, kind, passKubeconfig)
	case api != "" && api != "v1":
		return fmt.Errorf("%s is not a kubeconfig: its apiVersion is %q, not v1, which kubectl refuses too: %s", f.path, api, passKubeconfig)
	case kind == "" && len(f.root.Content) > 0 && !hasAnyKey(f.root, kubeconfigKeys):
		return fmt.Errorf("%s is not a kubeconfig: it has none of the keys clusters, contexts, users: %s", f.path, passKubeconfig)
	}
	return nil
}

func hasAnyKey(m *yaml.Node, keys []string) bool {
	for _, k := range keys {
		if kn, _ := mapGet(m, k); kn != nil {
			return true
		}
	}
	return false
}

// readList reads the named items of a top-level list. kubectl rejects an
// item without a name or a name used twice, so those are errors here too.
func readList(f *file, list, field string) ([]entry, error) {
	_, seq := mapGet(f.root, list)
	if isNull(seq) {
		return nil, nil
	}
	seq = deref(seq)
	if seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("kubeconfig %s: %s is not a list: fix the file", f.path, list)
	}
	var out []entry
	seen := map[string]bool{}
	for i, it := range seq.Content {
		item := deref(it)
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("kubeconfig %s: %s[%d] is not a mapping: fix the file", f.path, list, i)
		}
		_, nameNode := mapGet(item, "name")
		name := scalarString(nameNode)
		if name == "" {
			return nil, fmt.Errorf("kubeconfig %s: %s[%d] has no name: fix the file", f.path, list, i)
		}
		if seen[name] {
			return nil, fmt.Errorf("kubeconfig %s: %s has two entries named %q, which kubectl refuses: remove one", f.path, list, name)
		}
		seen[name] = true
		k, v := mapGet(item, field)
		out = append(out, entry{name: name, item: item, key: k, value: v})
	}
	return out, nil
}
