package convert

import (
	"bytes"
	"os"
	"path/filepath"
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

// FuzzConvert feeds arbitrary kubeconfig bytes and command lines to Run:
// it must not panic; on error the file is byte-identical; on success the
// result parses and a second run changes nothing. The seeds run in every
// `go test`; search longer with
//
//	go test -fuzz=FuzzConvert -fuzztime=60s ./host/convert/
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for i, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint8(i))
		}
	}
	for i, s := range []string{
		"", "{}", "null", "users:\n", "users: [{name: a, user: {exec: {command: kubelogin, args: [get-token]}}}]\n",
		oneUser(kubeloginExec("--server-id", server, "--client-id", "c", "--tenant-id", "t")),
		oneUser("auth-provider:\n  name: azure\n  config: {apiserver-id: s, client-id: c, tenant-id: t}\n"),
		oneUser("exec:\n  command: kubelogin\n"),
		"users:\n- &u\n  name: a\n  user: {auth-provider: {name: azure, config: {apiserver-id: s, client-id: c, tenant-id: t}}}\n- <<: *u\n  name: b\n",
		`{"users":[{"name":"a","user":{"auth-provider":{"name":"azure","config":{"apiserver-id":"s","client-id":"c","tenant-id":"t"}}}}]}`,
	} {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--kubeconfig", path}, fuzzArgs[int(pick)%len(fuzzArgs)]...)
		r := runCmd(t, nil, args...)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if r.err != nil {
			if !bytes.Equal(got, data) {
				t.Fatalf("error %q, and the file changed:\n%q\nto\n%q", r.err, data, got)
			}
			return
		}
		if _, err := parseFile(path, got); err != nil {
			t.Fatalf("the result does not parse: %v\n%q", err, got)
		}
		if r2 := runCmd(t, nil, args...); r2.err != nil {
			t.Fatalf("second run failed: %v\ninput %q\nfirst result %q", r2.err, data, got)
		}
		if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
			t.Fatalf("second run changed the file:\n%q\nto\n%q", got, again)
		}
	})
}
