package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kindCases are files kubectl refuses (refused: true) or accepts as a
// kubeconfig, checked against the real kubectl in TestKubectlAgreesOnKind.
// The last ones kubectl reads as an empty kubeconfig and convert refuses:
// they have none of a kubeconfig's keys (kubectlAccepts marks them).
var kindCases = []struct {
	name, in       string
	refused        bool
	kubectlAccepts bool // kubectl reads it although convert refuses it
}{
	{"pod", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: []\n", true, false},
	{"pod without apiVersion", "kind: Pod\nmetadata: {name: x}\n", true, false},
	{"deployment", "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n", true, false},
	{"secret", "apiVersion: v1\nkind: Secret\ndata: {}\n", true, false},
	{"list", "apiVersion: v1\nkind: List\nitems: []\n", true, false},
	{"lower-case config", "kind: config\nusers: []\n", true, false},
	{"Config of apps/v1", "apiVersion: apps/v1\nkind: Config\nusers: []\n", true, false},
	{"Config of v2", "apiVersion: v2\nkind: Config\n", true, false},
	{"kind is a number", "kind: 5\nusers: []\n", true, false},
	{"kind is a list", "kind: [Config]\n", true, false},
	{"apiVersion is a number", "apiVersion: 1\nkind: Config\n", true, false},
	{"JSON pod", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}`, true, false},
	{"manifest without kind", "apiVersion: v1\nmetadata:\n  name: x\n", true, true},
	{"values file", "replicaCount: 2\nimage: {repository: nginx}\n", true, true},

	{"kubeconfig", "apiVersion: v1\nkind: Config\nusers:\n- name: a\n  user: {token: x}\n", false, false},
	{"no kind, no apiVersion", "users:\n- name: a\n  user: {token: x}\n", false, false},
	{"kind only", "kind: Config\nusers: []\n", false, false},
	{"apiVersion only", "apiVersion: v1\nusers: []\n", false, false},
	{"null kind and apiVersion", "apiVersion: null\nkind: ~\ncontexts: []\n", false, false},
	{"empty kind", "apiVersion: v1\nkind: ''\nusers: []\n", false, false},
	{"only preferences", "preferences: {}\n", false, false},
	{"unknown keys beside kubeconfig ones", "kind: Config\nusers: []\nx-notes: kept\n", false, false},
	{"empty mapping", "{}\n", false, false},
	{"empty file", "", false, false},
	{"JSON kubeconfig", `{"kind": "Config", "apiVersion": "v1", "users": []}`, false, false},
}

// TestNotAKubeconfig: a file that is not a kubeconfig is one line that
// names the file and says what to do, and is left as it was; kubeconfigs
// without kind or apiVersion are accepted, as kubectl accepts them.
func TestNotAKubeconfig(t *testing.T) {
	for _, tc := range kindCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "config", tc.in)
			r := runCmd(t, nil, "--kubeconfig", path)
			if !tc.refused {
				if r.err != nil {
					t.Fatalf("refused: %v", r.err)
				}
				return
			}
			if r.err == nil {
				t.Fatalf("accepted; stderr %q", r.stderr)
			}
			msg := r.err.Error()
			if !strings.HasPrefix(msg, path+" is not a kubeconfig") || !strings.HasSuffix(msg, ", which kubectl refuses too: "+passKubeconfig) && !tc.kubectlAccepts {
				t.Errorf("error = %q", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if readString(t, path) != tc.in {
				t.Error("file changed")
			}
			assertNoLeftovers(t, dir, "config")
		})
	}
	t.Run("in a KUBECONFIG list", func(t *testing.T) {
		dir := t.TempDir()
		good := writeFile(t, dir, "config", fixture(t, "aks.yaml"))
		pod := writeFile(t, dir, "pod.yaml", kindCases[0].in)
		r := runCmd(t, map[string]string{"KUBECONFIG": good + string(os.PathListSeparator) + pod}, "-l", "devicecode")
		if r.err == nil || !strings.HasPrefix(r.err.Error(), pod+" is not a kubeconfig but a Pod manifest (kind: Pod)") {
			t.Fatalf("error = %v", r.err)
		}
		if readString(t, good) != fixture(t, "aks.yaml") {
			t.Error("the good file was written")
		}
	})
}

// TestNotAKubeconfigGolden pins the messages, which users read.
func TestNotAKubeconfigGolden(t *testing.T) {
	var got strings.Builder
	for _, tc := range kindCases {
		if !tc.refused {
			continue
		}
		_, err := parseFile("config", []byte(tc.in))
		got.WriteString(tc.name + ": " + err.Error() + "\n")
	}
	golden := filepath.Join("testdata", "notkubeconfig.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := fixture(t, "notkubeconfig.golden"); got.String() != want {
		t.Errorf("messages differ from %s:\n%s", golden, got.String())
	}
}
