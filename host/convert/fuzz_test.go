package convert

import (
	"testing"
)

// fuzzArgs are the command lines the fuzzer combines with kubeconfig bytes.
var fuzzArgs = [][]string{
	{},
	{"-l", "spn", "--client-secret", "s"},
	{"-l", "azurecli", "--azure-config-dir", "/az", "-t", "t"},
	{"-l", "msi", "--client-id", "m"},
	{"--context", "aks1"},
	{"-l", "interactive", "--pop-enabled", "--pop-claims", "u=/x", "--context", "c1"},
	{"--legacy=false", "-l", "ropc"},
	{"-l", "workloadidentity", "--cache-dir", "/c"},
	{"--server-id", "s", "--client-id", "c", "--tenant-id", "t"},
	{"-l", "azurepipelines", "--dry-run"},
	{"-l", "azd", "--context", "c1"},
}

// fuzzOption is one of fuzzArgs parsed as Run parses it.
type fuzzOption struct {
	o    *Options
	mode string
}

// parseFuzzArgs parses each command line once, through the command's own
// flag set, so the fuzz body does no flag parsing.
func parseFuzzArgs(f *testing.F) []fuzzOption {
	var out []fuzzOption
	for _, args := range fuzzArgs {
		var got *Options
		cmd := NewCmd(iostreamsFor(f), func(o *Options) error { got = o; return nil })
		cmd.SetArgs(append([]string{}, args...))
		if err := cmd.Execute(); err != nil {
			f.Fatalf("%q: %v", args, err)
		}
		got.Getenv = func(string) (string, bool) { return "", false }
		mode, err := targetMode(got)
		if err != nil {
			f.Fatalf("%q: %v", args, err)
		}
		out = append(out, fuzzOption{o: got, mode: mode})
	}
	return out
}

// FuzzConvert feeds arbitrary kubeconfig bytes and command lines to the
// pure part of a run: parse, plan, render, all in memory (no kubectl, no
// disk, no lock), so it makes thousands of executions a second. It must
// not panic; a result must parse, hold no secret in args, and plan to
// nothing when converted again. That a failed run leaves the file as it
// was is Run's job, checked by the table tests. The seeds run in every
// `go test`; search longer with
//
//	go test -run '^$' -fuzz=FuzzConvert -fuzztime=60s ./host/convert/
func FuzzConvert(f *testing.F) {
	// Small seeds: the fuzzer minimizes each new interesting input, and
	// that costs time in proportion to its size, so kilobyte fixtures
	// would spend a short run minimizing rather than exploring.
	for i, s := range []string{
		"", "{}", "null", "users:\n", "users: [{name: a, user: {exec: {command: kubelogin, args: [get-token]}}}]\n",
		oneUser(kubeloginExec("--server-id", server, "--client-id", "c", "--tenant-id", "t")),
		oneUser(kubeloginExec("--login", "spn", "--server-id", server, "--client-id", "c", "--tenant-id", "t", "--client-secret", "old")),
		oneUser("auth-provider:\n  name: azure\n  config: {apiserver-id: s, client-id: c, tenant-id: t}\n"),
		oneUser("exec:\n  command: kubelogin\n"),
		oneUser("exec:\n  command: kubelogin\n  args: [--server-id, s, get-token]\n"),
		"kind: Pod\napiVersion: v1\n",
		"users:\n- &u\n  name: a\n  user: {auth-provider: {name: azure, config: {apiserver-id: s, client-id: c, tenant-id: t}}}\n- <<: *u\n  name: b\n",
		`{"users":[{"name":"a","user":{"auth-provider":{"name":"azure","config":{"apiserver-id":"s","client-id":"c","tenant-id":"t"}}}}]}`,
		"kind: Config\r\nusers:\r\n- name: a # c\r\n  user:\r\n    exec:\r\n      command: kubelogin\r\n      args: [get-token, --server-id, s]\r\n      env:\r\n      - {name: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, value: x}\r\n",
		"users:\n    -   user: {exec: {command: /bin/kubelogin, args: [get-token, -l, spn, --server-id=s, -t, t, --client-id, c]}}\n        name: a\n    -   name: b\n        user: {exec: {command: kubectl, args: [oidc-login]}}\ncontexts:\n- {name: c1, context: {user: a}}\n",
	} {
		f.Add([]byte(s), uint8(i))
	}
	opts := parseFuzzArgs(f)
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		fo := opts[int(pick)%len(opts)]
		in, err := parseFile("config", data)
		if err != nil {
			return
		}
		p, err := makePlan(fo.o, fo.mode, []*file{in})
		if err != nil {
			return
		}
		out, changed := p.outputs[in]
		if !changed {
			return
		}
		again, err := parseFile("config", out)
		if err != nil {
			t.Fatalf("the result does not parse: %v\n%q", err, out)
		}
		for _, u := range again.users {
			var v userView
			if isNull(u.value) {
				continue
			}
			if err := u.value.Decode(&v); err == nil && v.Exec != nil {
				assertNoSecretArgs(t, u.name, v.Exec.Args)
			}
		}
		p2, err := makePlan(fo.o, fo.mode, []*file{again})
		if err != nil {
			t.Fatalf("converting the result failed: %v\ninput %q\nresult %q", err, data, out)
		}
		if len(p2.outputs) != 0 {
			t.Fatalf("converting the result changed it again:\n%q\nto\n%q", out, p2.outputs[again])
		}
	})
}
