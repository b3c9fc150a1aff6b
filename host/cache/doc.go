// Package cache is the host's on-disk token cache.
//
// kubectl runs `kubelogin get-token` on every invocation, so a cache hit must be cheap and must not start a
// provider: this package therefore imports only the standard library, gofrs/flock and golang.org/x/sys.
//
// Layout of a cache directory (0700):
//
//	<id>.json             one entry per Key (0600): token, expiry and the provider's opaque state; encrypted
//	                      (format version 2, sealed by host/tokenstore) or plaintext (version 1)
//	<id>.lock             per-key lock file (flock), records the PID of the holder
//	<id>.json.tmp-<n>     temp file of an in-flight atomic write; swept by Put once stale
//	pop-key.pem           the host's PoP key (host/pop), sealed like the entries when they are
//	store-key.lock        serialises creating the data key in the Linux kernel keyring
//	store-key.dpapi       the data key wrapped with Windows DPAPI
//	store-plaintext.notice  records that the "stored unencrypted" notice was shown for this directory
//
// where <id> is Key.ID, a fixed-length hex digest, so file names never depend on user input.
//
// Trust rules: the directory must belong to the effective user and not be a symbolic link, else the cache
// is disabled with one warning; entry and lock files are opened through host/privfile (no link followed, no
// FIFO waited on, only our own regular files), and the lock holder's PID is written through the locked
// // descriptor. On Windows the directory gets an owner-only DACL.
//
// At rest: with a Sealer (Sealed) entries are written encrypted, a plaintext entry is rewritten encrypted
// when read (under its lock, only if unchanged), and one whose key is gone is a clean miss. Without one, a
// plaintext write that was not chosen says so once per directory (PlaintextNotice).
//
// Reliability rules: a corrupt, foreign or unreadable entry is a miss with one warning, never a failure;
// a directory that cannot be used makes the cache disabled (one warning) instead of failing get-token;
// writes are atomic, so a crash leaves either the old or the new entry. Token and state contents never
// appear in errors or warnings.
package cache
