package convert

import (
	"strings"
	"testing"
)

// TestSkipUnknownKubelogin: a kubelogin exec that is neither Azure's nor
// int128's plugin (flags before get-token, no args) is reported and left
// alone while the other users convert, with exit status 3; as the
// --context target it is an error.
func TestSkipUnknownKubelogin(t *testing.T) {
	in := fixture(t, "skipped.yaml")
	aks := []string{"get-token", "--login", "devicecode", "--server-id", server, "--client-id", client, "--tenant-id", "tenant-1"}
	onlyUnknown := strings.Replace(in, "      command: kubelogin\n      args: [get-token,", "      command: gke-gcloud-auth-plugin\n      args: [get-token,", 1)
	runCases(t, []convertCase{
		{name: "the others convert", in: in, want: map[string][]string{"aks-user": aks}, skipped: "flags-first, no-args",
			stderr: []string{
				"Warning: left user flags-first in ",
				" alone: it runs /opt/bin/kubelogin without get-token as its first arg, so it is neither Azure's nor int128's kubelogin; fix its args by hand, then run convert-kubeconfig again\n",
				"Warning: left user no-args in ",
				"converted user aks-user to devicecode in ",
				"; left alone: flags-first, no-args\n",
			}},
		{name: "dry run says the same", in: in, args: []string{"--dry-run"}, skipped: "flags-first, no-args",
			stderr: []string{"would convert user aks-user", "; left alone: flags-first, no-args (dry run: nothing written)"}},
		{name: "nothing else to convert", in: onlyUnknown, skipped: "flags-first, no-args",
			stderr: []string{"nothing to convert: no user uses kubelogin or the azure auth-provider (checked 3 users in ", "; left alone: flags-first, no-args)"}},
		{name: "another context converts with exit 0", in: in, args: []string{"--context", "aks1"}, want: map[string][]string{"aks-user": aks},
			notStderr: []string{"left"}},
		{name: "flags first as the --context target", in: in, args: []string{"--context", "flags-first"},
			wantErr: `user "flags-first" of context "flags-first" runs /opt/bin/kubelogin without get-token as its first arg, so it is neither Azure's nor int128's kubelogin: add get-token and its flags, or pick another context`},
		{name: "no args as the --context target", in: in, args: []string{"--context", "no-args"},
			wantErr: `user "no-args" of context "no-args" runs kubelogin without get-token`},
	})
}
