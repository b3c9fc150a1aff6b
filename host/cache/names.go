package cache

import (
	"path/filepath"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/pop"
)

// File name suffixes. Entry, lock and temp names all start with a Key.ID, which is how RemoveAll tells
// kubelogin's files from anything else a user keeps in the directory.
const (
	entrySuffix = ".json"
	lockSuffix  = ".lock"
	tempInfix   = ".json.tmp-" // followed by os.CreateTemp's random digits
)

// popKeyFile is the host's PoP key, stored next to the entries by the host's PoP support.
const popKeyFile = pop.FileName

// Files of the token store (host/tokenstore) in a cache directory; RemoveAll removes them with the entries.
const (
	// KeyLockFile serialises the creation of the directory's data key in the Linux kernel keyring.
	KeyLockFile = "store-key.lock"
	// WrappedKeyFile holds the directory's data key wrapped by Windows DPAPI.
	WrappedKeyFile = "store-key.dpapi"
	// noticeFile records that the plaintext notice was shown for this directory, so it is shown once.
	noticeFile = "store-plaintext.notice"
)

// specsFile is where the host remembers third-party providers' mode specs (host/specmemo.FileName).
const specsFile = "provider-specs.json"

// upstreamFiles are what Azure/kubelogin 0.2.x keeps in the same default directory; `remove-cache-dir`
// removes them there too, so a drop-in must as well.
var upstreamFiles = []string{"auth.json", "pop_tokens.cache", "pop_rsa_key.cache"}

func (c *Cache) entryPath(id string) string { return filepath.Join(c.dir, id+entrySuffix) }

func (c *Cache) lockPath(id string) string { return filepath.Join(c.dir, id+lockSuffix) }

// entryID returns the key ID of an entry file name, or false for any other name.
func entryID(name string) (string, bool) {
	id, ok := strings.CutSuffix(name, entrySuffix)
	return id, ok && isID(id)
}

// isTempName reports whether name is a temp file left by Put (possibly by a process that was killed).
func isTempName(name string) bool {
	if len(name) <= idLen || !isID(name[:idLen]) {
		return false
	}
	digits, ok := strings.CutPrefix(name[idLen:], tempInfix)
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// isPoPKeyTemp reports whether name is a temp file the PoP key store (or the wrapped data key store) left
// when killed mid-write.
func isPoPKeyTemp(name string) bool {
	for _, base := range []string{popKeyFile, WrappedKeyFile} {
		digits, ok := strings.CutPrefix(name, base+".tmp-")
		if ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	return false
}

// isSpecsFile reports the specs memo and the temp files it leaves when killed mid-write.
func isSpecsFile(name string) bool {
	digits, ok := strings.CutPrefix(name, specsFile+".tmp-")
	return name == specsFile || (ok && digits != "" && strings.Trim(digits, "0123456789") == "")
}

// isOwnedName reports whether kubelogin (this one or Azure/kubelogin) created a file of this name.
func isOwnedName(name string) bool {
	switch name {
	case popKeyFile, KeyLockFile, WrappedKeyFile, noticeFile:
		return true
	}
	if _, ok := entryID(name); ok || isTempName(name) || isPoPKeyTemp(name) || isSpecsFile(name) {
		return true
	}
	if id, ok := strings.CutSuffix(name, lockSuffix); ok && isID(id) {
		return true
	}
	for _, u := range upstreamFiles {
		if name == u {
			return true
		}
	}
	return false
}

// idLen is the length of Key.ID: hex SHA-256.
const idLen = 64

func isID(s string) bool {
	return len(s) == idLen && strings.Trim(s, "0123456789abcdef") == ""
}
