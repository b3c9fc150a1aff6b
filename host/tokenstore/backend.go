package tokenstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// KeyBackend keeps one data key per cache directory in an OS key store. Implementations are safe to call
// from several processes at once.
type KeyBackend interface {
	// Name says where keys are kept, for status and messages ("Linux kernel keyring (persistent)").
	Name() string
	// Probe checks cheaply that the backend can be used now; its error completes "tokens are not
	// encrypted because ..." in words a user acts on.
	Probe() error
	// Load returns the data key of the cache directory dir, or an error wrapping ErrNoKey when there is
	// none (never created, or lost: reboot, another user, a copied directory).
	Load(dir string) ([]byte, error)
	// Create stores key for dir unless a usable key is already stored, and returns the key that is stored
	// afterwards: concurrent first writers all end up with one key.
	Create(dir string, key []byte) ([]byte, error)
	// Delete removes dir's key; removed is false when there was none.
	Delete(dir string) (removed bool, err error)
}

// ErrNoKey means the backend holds no usable key for the directory.
var ErrNoKey = errors.New("no token cache key is stored")

// keySize is the AES-256 key length.
const keySize = 32

// keyName is a directory's key name in a key store shared by all of the user's cache directories: a
// digest, so key names never carry a path (which may hold a user name) into the keyring.
func keyName(dir string) string {
	sum := sha256.Sum256([]byte("kubelogin token cache\x00" + dir))
	return "kubelogin:cache:" + hex.EncodeToString(sum[:16])
}
