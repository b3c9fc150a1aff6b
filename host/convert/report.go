package convert

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/options"
)

// printFiles writes the would-be files for --dry-run; with several files
// each gets a "# file: PATH" header.
func printFiles(o *Options, p *plan) {
	for _, f := range p.files {
		out, ok := p.outputs[f]
		if !ok {
			out = f.data
		}
		if len(p.files) > 1 {
			fmt.Fprintf(o.IO.Out, "# file: %s\n", f.path)
		}
		_, _ = o.IO.Out.Write(out)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			fmt.Fprintln(o.IO.Out)
		}
	}
}

// secrets are the flags whose values must not sit in a kubeconfig unnoticed.
var secrets = []struct{ flag, what, env string }{
	{"client-secret", "client secret", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET"},
	{"client-certificate-password", "certificate password", "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD or AZURE_CLIENT_CERTIFICATE_PASSWORD"},
	{"password", "password", "AAD_USER_PRINCIPAL_PASSWORD or AZURE_PASSWORD"},
}

// report prints the warnings, then the one-line summary, on stderr.
func report(o *Options, p *plan) {
	w := o.IO.ErrOut
	if ignored := ignoredFlags(o, p); len(ignored) > 0 {
		fmt.Fprintf(w, "Warning: -l %s does not use %s: not written to the kubeconfig\n", p.mode, strings.Join(ignored, ", "))
	}
	for _, s := range p.skipped {
		fmt.Fprintf(w, "Warning: left user %s in %s alone: it %s; fix its args by hand, then run convert-kubeconfig again\n",
			s.ref.entry.name, s.ref.file.path, s.reason)
	}
	verb := "is now"
	if o.DryRun {
		verb = "would be"
	}
	for _, s := range secrets {
		if refs := p.written[s.flag]; len(refs) > 0 {
			fmt.Fprintf(w, "Warning: the %s given with --%s %s stored in clear text in the exec env of %s (not in args, which other users can read while kubelogin runs); prefer exporting %s\n",
				s.what, s.flag, verb, filesOf(refs), s.env)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(p.written)) {
		if name, ok := strings.CutPrefix(key, argSecretKey); ok {
			fmt.Fprintf(w, "Warning: the secret provider arg %s given with --provider-arg %s stored in clear text in the exec env of %s as %s (not in args, which other users can read while kubelogin runs); prefer exporting %s\n",
				name, verb, filesOf(p.written[key]), options.ArgVar(name), options.ArgVar(name))
		}
	}
	fmt.Fprintln(w, summary(o, p))
}

// filesOf lists the files of users, each once, in order.
func filesOf(refs []userRef) string {
	var where []string
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.file.path] {
			seen[r.file.path] = true
			where = append(where, r.file.path)
		}
	}
	return strings.Join(where, ", ")
}

// ignoredFlags are the flags given with a value that no converted user got.
func ignoredFlags(o *Options, p *plan) []string {
	if len(p.converted)+len(p.upToDate) == 0 {
		return nil
	}
	var out []string
	for _, f := range tokenFlags {
		v := flagValue(&o.Token, f)
		if changed(&o.Token, f) && v != "" && v != "false" && len(p.written[f]) == 0 {
			out = append(out, "--"+f)
		}
	}
	if o.AzureConfigDir != "" && len(p.written["azure-config-dir"]) == 0 {
		out = append(out, "--azure-config-dir")
	}
	return out
}

// summary is the one line that says what changed, or why nothing did.
func summary(o *Options, p *plan) string {
	if len(p.converted) > 0 {
		verb := "converted"
		if o.DryRun {
			verb = "would convert"
		}
		var parts []string
		for i, g := range byFile(p.converted) {
			part := fmt.Sprintf("%s in %s", userNames(g), g[0].file.path)
			if i == 0 {
				part = fmt.Sprintf("%s %s to %s in %s", plural(len(p.converted), "user"), userNames(g), p.mode, g[0].file.path)
			}
			parts = append(parts, part)
		}
		s := verb + " " + strings.Join(parts, "; ")
		if len(p.upToDate) > 0 {
			s += "; already up to date: " + userNames(p.upToDate)
		}
		if len(p.skipped) > 0 {
			s += "; left alone: " + userNames(skippedRefs(p.skipped))
		}
		if len(p.madePrivate) > 0 {
			made := "made private, as it now holds a secret: "
			if o.DryRun {
				made = "would be made private, as it would hold a secret: "
			}
			s += "; " + made + strings.Join(p.madePrivate, ", ")
		}
		if o.DryRun {
			s += " (dry run: nothing written)"
		}
		return s
	}
	checked := fmt.Sprintf("checked %d %s in %s", p.checked, plural(p.checked, "user"), fileList(p.files))
	if len(p.skipped) > 0 {
		checked += "; left alone: " + userNames(skippedRefs(p.skipped))
	}
	switch {
	case len(p.upToDate) > 0:
		return fmt.Sprintf("nothing to convert: %s %s already %s %s with these settings (%s)",
			plural(len(p.upToDate), "user"), userNames(p.upToDate), plural(len(p.upToDate), "uses"), p.mode, checked)
	case p.skip != "":
		return "nothing to convert: " + p.skip
	case p.checked == 0:
		return fmt.Sprintf("nothing to convert: %s has no users", fileList(p.files))
	}
	return fmt.Sprintf("nothing to convert: no user uses kubelogin or the azure auth-provider (%s)", checked)
}

// byFile groups users by file, in order.
func byFile(refs []userRef) [][]userRef {
	var groups [][]userRef
	for _, r := range refs {
		if n := len(groups); n > 0 && groups[n-1][0].file == r.file {
			groups[n-1] = append(groups[n-1], r)
			continue
		}
		groups = append(groups, []userRef{r})
	}
	return groups
}

// plural picks "user"/"users" and "uses"/"use" by count.
func plural(n int, word string) string {
	switch {
	case n == 1:
		return word
	case word == "uses":
		return "use"
	}
	return word + "s"
}
