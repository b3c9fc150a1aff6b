// Package protocol holds what both ends of the kubelogin provider protocol
// must agree on before the first gRPC call: the go-plugin handshake values,
// the plugin name, the variables the host sets for a provider, and the
// reattach configuration of a provider started under a debugger. The host
// and sdk.Serve both read them from here, and PROTOCOL.md repeats them for
// authors in other languages. It imports nothing, so a host or a tool can
// use it without go-plugin.
package protocol

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Version is the protocol version this module speaks. A host offers the
// current and the previous version (see VERSIONING.md); a provider that
// shares none with it is refused at the handshake.
const Version = 1

// The go-plugin handshake cookie. The host sets MagicCookieKey to
// MagicCookieValue in the provider's environment; a provider started
// without it refuses to run. It only keeps users from running a provider by
// hand; it is not a security measure.
const (
	MagicCookieKey   = "KUBELOGIN_PROVIDER_COOKIE"
	MagicCookieValue = "6f1c0f3e-kubelogin-provider-v1"
)

// PluginName is the name the provider service is dispensed under.
const PluginName = "provider"

// LogLevelEnv is how the host passes its verbosity to a provider: trace,
// debug, info, warn or error. Lines below it are not worth writing; the host
// drops them anyway.
const LogLevelEnv = "KUBELOGIN_PROVIDER_LOG_LEVEL"

// DebugEnv, set to any non-empty value in a provider started by hand (not
// by the host, which sets the cookie), makes sdk.Serve run it for a
// debugger: it listens, prints a ReattachEnv line on stdout and serves until
// interrupted.
const DebugEnv = "KUBELOGIN_PROVIDER_DEBUG"

// ReattachEnv, in the host's environment, makes the host connect to
// already running providers instead of starting them. Its value is the JSON
// of a Reattach map, keyed by login mode, that a provider in debug mode
// prints.
const ReattachEnv = "KUBELOGIN_PROVIDER_REATTACH"

// Reattach is how to reach one running provider.
type Reattach struct {
	// Protocol is go-plugin's transport; always "grpc".
	Protocol string `json:"protocol"`
	// ProtocolVersion is the provider protocol version it speaks.
	ProtocolVersion int `json:"protocol_version"`
	// Pid is the provider's process id.
	Pid int `json:"pid"`
	// Network is "unix" or "tcp", Address the socket path or host:port.
	Network string `json:"network"`
	Address string `json:"address"`
}

// ReattachMap is ReattachEnv's value: one running provider per login mode.
type ReattachMap map[string]Reattach

// String is the JSON a user sets ReattachEnv to.
func (m ReattachMap) String() string {
	b, _ := json.Marshal(m) // a map of plain structs always marshals
	return string(b)
}

// ParseReattach reads ReattachEnv's value.
func ParseReattach(v string) (ReattachMap, error) {
	var m ReattachMap
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("%s is not the JSON a provider prints in debug mode: %v", ReattachEnv, err)
	}
	var bad []string
	for mode, r := range m {
		if r.Protocol != "grpc" || r.Pid <= 0 || (r.Network != "unix" && r.Network != "tcp") || r.Address == "" {
			bad = append(bad, mode)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("%s: the entries for %s lack protocol \"grpc\", a pid, a unix or tcp network, or an address: copy the line the provider printed", ReattachEnv, strings.Join(bad, ", "))
	}
	return m, nil
}

// MaxMessageSize is the largest message a host accepts from a provider by
// default (an event, or the final token with its state): real tokens are a
// few kilobytes and MSAL caches tens of kilobytes.
const MaxMessageSize = 1 << 20
