#!/usr/bin/env bash
# make demo: log the real kubectl into a local cluster stand-in through the
# local Entra ID emulator, with the device code flow, exactly as a user of an
# AKS cluster would: kubectl runs `kubelogin get-token` from the kubeconfig.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
kubectl=${KUBECTL:-$(command -v kubectl || echo /usr/bin/kubectl)}
work=$(mktemp -d "${TMPDIR:-/tmp}/kubelogin-demo.XXXXXX")
envpid=""
cleanup() {
	if [ -n "$envpid" ]; then
		kill "$envpid" 2>/dev/null || true
		wait "$envpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting the Entra ID emulator and the API server stand-in (HTTPS on 127.0.0.1)"
"$bin/kubelogin-testenv" --dir "$work" --auto-approve-after 3s >"$work/testenv.log" 2>&1 &
envpid=$!
for _ in $(seq 1 200); do
	[ -s "$work/state.json" ] && break
	kill -0 "$envpid" 2>/dev/null || { cat "$work/testenv.log" >&2; exit 1; }
	sleep 0.05
done
[ -s "$work/state.json" ] || { echo "the test environment did not start" >&2; exit 1; }

state() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" "$work/state.json"; }

# What a user with an AKS cluster behind a corporate proxy has: kubelogin on
# PATH, the kubeconfig `az aks get-credentials` writes (nothing test-only in
# it), and a proxy with a private CA. Here the proxy is the emulator itself:
# it answers as login.microsoftonline.com.
export PATH="$bin:$PATH"
export HTTPS_PROXY="$(state proxy_url)" HTTP_PROXY="$(state proxy_url)"
export SSL_CERT_FILE="$(state ca_file)"
export KUBECONFIG="$work/kubeconfig"
export KUBECACHEDIR="$work/cache"

say "The kubeconfig's user, exactly as az aks get-credentials writes it; HTTPS_PROXY=$HTTPS_PROXY"
sed -n '/^users:/,$p' "$KUBECONFIG"

say "kubectl get nodes  (first call: kubelogin shows a device code; the emulator approves it after 3s)"
"$kubectl" get nodes

say "kubectl get nodes  (second call: served from kubelogin's cache, no sign-in)"
"$kubectl" get nodes

say "kubectl auth whoami"
"$kubectl" auth whoami

say "kubelogin status  (what the cache holds; never the token itself)"
kubelogin status
say "Done: kubectl was logged in through kubelogin, and the second call needed no sign-in."
