// Package tokenstore decides how the token cache keeps tokens at rest, and keeps the key that encrypts them.
//
// Entries (provider state, access token) and the PoP private key are sealed with AES-256-GCM under a random
// 256-bit data key, one per cache directory. The data key never touches the disk in clear: the operating
// system holds it (a KeyBackend):
//
//   - Linux: the kernel keyring through keyctl(2), in the persistent keyring where the kernel has one (it
//     outlives logout by /proc/sys/kernel/keys/persistent_keyring_expiry, 3 days by default), else the user
//     keyring; the session keyring is linked to the user keyring so this process possesses the key
//     (keyrings(7), "Possession"). Nothing survives a reboot. One search and one read per cache hit, no
//     process started.
//   - Windows: DPAPI (CryptProtectData, current user), the wrapped key in a file in the cache directory.
//   - macOS: the login Keychain through the security(1) command (builds have cgo off).
//
// Mode (--token-store, KUBELOGIN_TOKEN_STORE) chooses: auto (default) encrypts when the backend works and
// otherwise falls back, visibly, to plaintext 0600 files; encrypted refuses to fall back; file always
// writes plaintext; none caches nothing. A provider policy with `tokenStore: encrypted` forbids the
// fallback and plaintext files.
//
// A data key that is gone (a reboot, another user, a copied cache) makes its entries clean misses: one new
// sign-in writes them again under a new key, never an error loop.
package tokenstore
