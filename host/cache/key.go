package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Key identifies which token is right for a request. Every field that changes the identity of the token is
// part of it, so two contexts that differ in any of them never share a token (Azure/kubelogin#243, #159, #5).
// Fields are compared byte for byte: callers normalise values (e.g. trailing slashes) before building a Key.
type Key struct {
	LoginMode     string
	AuthorityHost string // cloud
	TenantID      string
	ClientID      string
	ServerID      string // server id / resource
	Legacy        bool
	PoPKeyID      string // thumbprint of the host's PoP key, "" for bearer
	PoPClaims     string
	Account       string // login hint / username / msi identity
	Extra         string // mode-specific discriminator (e.g. az account/profile hash, federated token file path)
}

// keyEncodingVersion is part of the hashed encoding; bump it (and so orphan old entries) only when the
// meaning of a Key changes.
const keyEncodingVersion = "kubelogin-cache-key/v1"

// ID is a fixed-length, stable hex SHA-256 over a canonical, versioned encoding of all fields. It names the
// entry and lock files, so file names stay short and free of user input (Azure/kubelogin#612).
// Each field is written as name, length and value, so no choice of values can make two keys collide.
func (k Key) ID() string {
	fields := [...]struct{ name, value string }{
		{"loginMode", k.LoginMode},
		{"authorityHost", k.AuthorityHost},
		{"tenantID", k.TenantID},
		{"clientID", k.ClientID},
		{"serverID", k.ServerID},
		{"legacy", strconv.FormatBool(k.Legacy)},
		{"popKeyID", k.PoPKeyID},
		{"popClaims", k.PoPClaims},
		{"account", k.Account},
		{"extra", k.Extra},
	}
	buf := append([]byte(keyEncodingVersion), '\n')
	for _, f := range fields {
		buf = append(buf, f.name...)
		buf = append(buf, '=')
		buf = strconv.AppendInt(buf, int64(len(f.value)), 10)
		buf = append(buf, ':')
		buf = append(buf, f.value...)
		buf = append(buf, '\n')
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}
