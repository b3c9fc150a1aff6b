// Package convert implements convert-kubeconfig: it rewrites the kubeconfig
// users that use Azure's kubelogin or the legacy azure auth-provider so
// that kubectl runs `kubelogin get-token` in the chosen login mode.
package convert

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/options"
)

// defaultLockTimeout bounds the wait for another kubectl or kubelogin
// holding the kubeconfig's lock; client-go itself does not wait.
const defaultLockTimeout = 5 * time.Second

// Options are convert-kubeconfig's settings. Token holds only what the
// command line gave: environment values are never written to the
// kubeconfig, apart from AAD_LOGIN_METHOD choosing the default mode.
type Options struct {
	Token          options.Token
	Kubeconfig     string // --kubeconfig; else KUBECONFIG, else ~/.kube/config
	Context        string // --context: convert only this context's user
	AzureConfigDir string // written as AZURE_CONFIG_DIR for azurecli
	DryRun         bool   // print the result, write nothing

	IO          iostreams.IOStreams
	Getenv      options.Getenv // KUBECONFIG, and AAD_LOGIN_METHOD and HOME through options.ApplyEnv
	LockTimeout time.Duration

	home string // as the settings resolver found it
}

// NewCmd returns the convert-kubeconfig command. runF replaces Run in tests.
func NewCmd(streams iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: streams, Getenv: os.LookupEnv, LockTimeout: defaultLockTimeout}
	cmd := &cobra.Command{
		Use:   "convert-kubeconfig",
		Short: "Convert kubeconfig users to run kubelogin get-token",
		Long: `Convert the kubeconfig users that run Azure's kubelogin or use the legacy azure
auth-provider to run "kubelogin get-token" in the chosen login mode (-l, else
AAD_LOGIN_METHOD, else devicecode). Other users, clusters and contexts are left as
they are. The file is read from --kubeconfig, else KUBECONFIG, else ~/.kube/config,
and replaced atomically under kubectl's lock. Secrets go into the exec env, never
args, and make the file private (0600).

Exit status: 0 when every user that could be converted was, 3 when kubelogin users
that are neither Azure's nor int128's plugin were left alone (the others were
converted), 1 on error (nothing written).`,
		Example: `  kubelogin convert-kubeconfig -l azurecli
  kubelogin convert-kubeconfig -l spn --context aks-prod
  kubelogin convert-kubeconfig -l interactive --pop-enabled --pop-claims "u=/ARM/ID/OF/CLUSTER" --context arc1
  kubelogin convert-kubeconfig -l workloadidentity --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(o)
			}
			return Run(o)
		},
	}
	fs := cmd.Flags()
	o.Token.AddFlags(fs)
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file to convert (default: the KUBECONFIG files, else ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "convert only the user of this context (default: every kubelogin or azure auth-provider user)")
	fs.StringVar(&o.AzureConfigDir, "azure-config-dir", "", "Azure CLI config directory, written as AZURE_CONFIG_DIR for -l azurecli")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the converted kubeconfig on stdout and write nothing")
	_ = cmd.MarkFlagFilename("kubeconfig")
	_ = cmd.MarkFlagDirname("azure-config-dir")
	_ = cmd.MarkFlagDirname("cache-dir")
	_ = cmd.RegisterFlagCompletionFunc("login", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return strings.Split(knownModes(), ", "), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("context", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return contextNames(o), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Run converts the kubeconfig as o asks.
func Run(o *Options) error {
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = defaultLockTimeout
	}
	mode, err := targetMode(o)
	if err != nil {
		return err
	}
	for _, p := range []*string{&o.Token.CacheDir, &o.Token.ClientCertificate, &o.Token.FederatedTokenFile, &o.AzureConfigDir} {
		*p = absPath(*p)
	}
	paths, err := kubeconfigPaths(o)
	if err != nil {
		return err
	}
	files, err := readFiles(paths)
	if err != nil {
		return err
	}
	p, err := makePlan(o, mode, files)
	if err != nil {
		return err
	}
	if o.DryRun {
		printFiles(o, p)
		p.madePrivate = wouldMakePrivate(p)
	} else if len(p.outputs) > 0 {
		if p, err = write(o, mode, paths, p); err != nil {
			return err
		}
	}
	report(o, p)
	if len(p.skipped) > 0 {
		return &SkippedError{Users: userNames(skippedRefs(p.skipped))}
	}
	return nil
}

// ExitSkipped is the exit status when convert-kubeconfig converted what it
// could but left kubelogin users alone that are neither Azure's nor
// int128's plugin. 0 means every user it could convert was converted (or
// already was); 1 is an error, with nothing written. 3 stays clear of 1
// and of 2, which shells and many tools use for usage errors.
const ExitSkipped = 3

// SkippedError reports kubelogin users left alone. The reasons and the
// summary are already on stderr, so the caller only sets the exit status.
type SkippedError struct {
	Users string // their names, comma-separated
}

func (e *SkippedError) Error() string {
	return "left kubelogin users alone: " + e.Users
}

// ExitCode is the exit status that says users were skipped.
func (e *SkippedError) ExitCode() int { return ExitSkipped }

func skippedRefs(s []skippedUser) []userRef {
	refs := make([]userRef, len(s))
	for i, u := range s {
		refs[i] = u.ref
	}
	return refs
}

// wouldMakePrivate lists the files a run would make private, for --dry-run.
func wouldMakePrivate(p *plan) []string {
	var out []string
	for _, f := range p.files {
		if _, changes := p.outputs[f]; !changes || !p.secretIn[f] {
			continue
		}
		if info, err := os.Stat(f.path); err == nil && modeFor(info.Mode().Perm(), true) != info.Mode().Perm() {
			out = append(out, privateNote(f.path, info.Mode().Perm(), modeFor(info.Mode().Perm(), true)))
		}
	}
	return out
}

func privateNote(path string, was, now os.FileMode) string {
	return fmt.Sprintf("%s mode %04o (was %04o)", path, now, was)
}

// targetMode is -l, else AAD_LOGIN_METHOD, else devicecode, by the
// settings resolver's rule for convert-kubeconfig. Unlike upstream, an
// explicit -l beats the environment.
func targetMode(o *Options) (string, error) {
	before := o.Token.LoginMode
	o.home = o.Token.ApplyEnv(options.Convert, o.Getenv).Home
	mode, from := o.Token.LoginMode, "-l"
	if mode != before {
		from = "AAD_LOGIN_METHOD"
	}
	if mode == "" {
		mode = options.DeviceCode
	}
	o.Token.LoginMode = mode
	if err := o.Token.Validate(); err != nil {
		return "", err
	}
	if _, ok := modeSettings[mode]; !ok {
		return "", fmt.Errorf("convert-kubeconfig cannot write login mode %q (from %s): use one of %s", mode, from, knownModes())
	}
	return mode, nil
}

// absPath anchors a relative path given on the command line to the current
// directory: kubectl runs kubelogin from wherever it is run.
func absPath(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") || strings.HasPrefix(p, "$") {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// write takes the lock of every file that changes, computes the plan again
// from what the files hold now, and replaces them. All new contents are
// staged before any file is replaced.
func write(o *Options, mode string, paths []string, first *plan) (*plan, error) {
	locked := map[string]bool{}
	var lockPaths []string
	for f := range first.outputs {
		locked[f.path] = true
		lockPaths = append(lockPaths, f.path)
	}
	unlock, err := lockFiles(lockPaths, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	files, err := readFiles(paths)
	if err != nil {
		return nil, err
	}
	p, err := makePlan(o, mode, files)
	if err != nil {
		return nil, err
	}
	var all []*staged
	abort := func() {
		for _, s := range all {
			s.abort()
		}
	}
	for _, f := range p.files {
		out, ok := p.outputs[f]
		if !ok {
			continue
		}
		if !locked[f.path] {
			abort()
			return nil, fmt.Errorf("kubeconfig %s changed while converting: run the command again", f.path)
		}
		s, err := stage(f.path, out, p.secretIn[f])
		if err != nil {
			abort()
			return nil, err
		}
		all = append(all, s)
	}
	for i, s := range all {
		if err := s.commit(); err != nil {
			for _, rest := range all[i+1:] {
				rest.abort()
			}
			return nil, err
		}
		if s.mode != s.was {
			p.madePrivate = append(p.madePrivate, privateNote(s.path, s.was, s.mode))
		}
	}
	return p, nil
}

// contextNames lists the contexts for shell completion.
func contextNames(o *Options) []string {
	o.home = o.Token.ApplyEnv(options.Convert, o.Getenv).Home
	paths, err := kubeconfigPaths(o)
	if err != nil {
		return nil
	}
	files, err := readFiles(paths)
	if err != nil {
		return nil
	}
	var names []string
	for _, f := range files {
		for _, c := range f.ctxs {
			names = append(names, c.name)
		}
	}
	return names
}
