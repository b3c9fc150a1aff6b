package convert

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubelogin-dev/kubelogin/host/modes"
)

// userRef is a user in the file that defines it.
type userRef struct {
	file  *file
	entry entry
}

// edit replaces one user's value.
type edit struct {
	entry    entry
	newValue *yaml.Node
}

// plan is what a run does, computed from the files' bytes alone so it can
// be computed again under the lock.
type plan struct {
	mode        string
	files       []*file
	checked     int
	converted   []userRef
	upToDate    []userRef            // Azure users already converted as asked
	skipped     []skippedUser        // kubelogin users that are neither plugin, left alone
	skip        string               // with --context: why its user is left alone
	secretIn    map[*file]bool       // files where a converted user's exec env holds a secret
	madePrivate []string             // files whose mode was (or would be) narrowed to 0600, for the summary
	written     map[string][]userRef // explicit flag -> users it was written to
	outputs     map[*file][]byte     // new contents of the files that change
}

// skippedUser is a kubelogin user convert cannot read, and why.
type skippedUser struct {
	ref    userRef
	reason string
}

// makePlan converts every user in scope: the user of --context, else every
// user, each in the first file that defines it (client-go's merge rule).
func makePlan(o *Options, mode string, files []*file) (*plan, error) {
	p := &plan{mode: mode, files: files, written: map[string][]userRef{}, outputs: map[*file][]byte{}, secretIn: map[*file]bool{}}
	scope, err := usersInScope(o.Context, files)
	if err != nil {
		return nil, err
	}
	edits := map[*file][]edit{}
	for _, ref := range scope {
		p.checked++
		name := ref.entry.name
		a, err := classify(name, ref.entry.value)
		if err != nil {
			return nil, err
		}
		if !a.convert {
			if o.Context != "" {
				if a.none {
					return nil, fmt.Errorf("user %q of context %q has no credentials to convert: give it a kubelogin exec or pick another context", name, o.Context)
				}
				if a.unknown {
					return nil, fmt.Errorf("user %q of context %q %s: add get-token and its flags, or pick another context", name, o.Context, a.reason)
				}
				p.skip = fmt.Sprintf("user %s of context %s %s, not kubelogin or the azure auth-provider", name, o.Context, a.reason)
			} else if a.unknown {
				p.skipped = append(p.skipped, skippedUser{ref: ref, reason: a.reason})
			}
			continue
		}
		args, secrets, written, err := buildArgs(name, resolver{explicit: &o.Token, auth: a, mode: mode}, o.target)
		if err != nil {
			return nil, err
		}
		if mode == modes.AzureCLI && o.AzureConfigDir != "" {
			written["azure-config-dir"] = true
		}
		for flag := range written {
			// buildArgs marks a secret provider arg only when it was given.
			if flag == "azure-config-dir" || changed(&o.Token, flag) || strings.HasPrefix(flag, argSecretKey) {
				p.written[flag] = append(p.written[flag], ref)
			}
		}
		nv := newUserValue(ref.entry.value, a, newExec(a, mode, args, o.AzureConfigDir, secrets))
		if sameMeaning(ref.entry.value, nv) {
			p.upToDate = append(p.upToDate, ref)
			continue
		}
		p.converted = append(p.converted, ref)
		if len(secrets) > 0 {
			p.secretIn[ref.file] = true
		}
		edits[ref.file] = append(edits[ref.file], edit{entry: ref.entry, newValue: nv})
	}
	// PoP claims name one cluster; copying them to every user breaks the
	// others (Azure/kubelogin#721).
	if users := p.written["pop-claims"]; o.Context == "" && len(users) > 1 {
		return nil, fmt.Errorf("--pop-claims names one cluster but would be written to %d users (%s): convert one at a time with --context", len(users), userNames(users))
	}
	for _, f := range files {
		if len(edits[f]) == 0 {
			continue
		}
		out, err := render(f, edits[f])
		if err != nil {
			return nil, err
		}
		p.outputs[f] = out
	}
	return p, nil
}

// usersInScope resolves --context to its user, or lists every user.
func usersInScope(context string, files []*file) ([]userRef, error) {
	users := map[string]userRef{}
	var all []userRef
	for _, f := range files {
		for _, e := range f.users {
			if _, dup := users[e.name]; !dup {
				users[e.name] = userRef{file: f, entry: e}
				all = append(all, users[e.name])
			}
		}
	}
	if context == "" {
		return all, nil
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range files {
		for _, c := range f.ctxs {
			if c.name != context {
				if !seen[c.name] {
					seen[c.name] = true
					names = append(names, c.name)
				}
				continue
			}
			_, u := mapGet(c.value, "user")
			user := scalarString(u)
			if user == "" {
				return nil, fmt.Errorf("context %q in %s names no user: fix the context or pick another", context, f.path)
			}
			ref, ok := users[user]
			if !ok {
				return nil, fmt.Errorf("context %q uses user %q, which %s does not define: fix the context or pick another", context, user, fileList(files))
			}
			return []userRef{ref}, nil
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no context named %q: %s has no contexts", context, fileList(files))
	}
	if len(names) > 10 {
		names = append(names[:10], fmt.Sprintf("... (%d more)", len(names)-10))
	}
	return nil, fmt.Errorf("no context named %q in %s: pass one of %s", context, fileList(files), strings.Join(names, ", "))
}

// sameMeaning reports whether a user's old value already means the new one,
// so converting twice leaves the file untouched.
func sameMeaning(old, nv *yaml.Node) bool {
	if isNull(old) {
		return false
	}
	a, errA := canonical(old)
	b, errB := canonical(nv)
	return errA == nil && errB == nil && a == b
}

// fileList names the files read, for messages.
func fileList(files []*file) string {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	return strings.Join(paths, ", ")
}

// userNames lists users for messages.
func userNames(refs []userRef) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.entry.name
	}
	return strings.Join(names, ", ")
}
