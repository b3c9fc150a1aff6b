package pop

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/kubelogin-dev/kubelogin/host/privfile"
)

// FileName is the key file in the cache directory; the cache's RemoveAll
// knows it, so remove-tokens removes the key with the tokens bound to it.
const FileName = "pop-key.pem"

// pemType is PKCS#1, as Azure/kubelogin stores its PoP key.
const pemType = "RSA PRIVATE KEY"

// sealedPEMType holds the PKCS#1 key encrypted by the token store.
const sealedPEMType = "KUBELOGIN SEALED RSA PRIVATE KEY"

// sealName binds the sealed key to its role.
const sealName = "pop-key"

// Sealer encrypts the key file at rest (host/tokenstore); nil stores it in plaintext.
type Sealer interface {
	Seal(plain []byte, name string) ([]byte, error)
	Open(sealed []byte, name string) ([]byte, error)
}

// errCorrupt marks a key file that exists but holds no usable key.
var errCorrupt = errors.New("not a usable RSA private key")

// LoadOrCreateKey returns the PoP key stored in dir, creating it on first
// use, encrypted with s unless s is nil. A plaintext key is rewritten
// encrypted when s is given; an encrypted one that s cannot open (its key
// is gone, or no sealer) is replaced like a corrupt one, which costs only
// the tokens bound to it. It only fails when no key can be generated at all. A non-nil error
// next to a key is a warning for the user: the stored key was unusable and
// replaced, or dir cannot hold a key and the returned one lasts only for
// this process (tokens bound to it then simply miss the cache next run).
//
// Concurrent callers, in one process or many, end up with the same key: the
// file appears atomically and only if absent (hard link of a complete,
// synced temp file), and a loser of that race loads the winner's key.
func LoadOrCreateKey(dir string, s Sealer) (*Key, error) {
	if dir == "" {
		return ephemeral(errors.New("no directory to store it in"))
	}
	k, warning, err := loadOrCreate(dir, s)
	if err != nil {
		return ephemeral(err)
	}
	return k, warning
}

// ephemeral returns an in-memory key with why the stored one is not used.
func ephemeral(why error) (*Key, error) {
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	return k, fmt.Errorf("PoP key not stored (%w); using a key for this run only, so the next run fetches a new token", why)
}

func loadOrCreate(dir string, s Sealer) (k *Key, warning, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	k, warning, err = load(path, s)
	switch {
	case err == nil:
		return k, warning, nil
	case errors.Is(err, fs.ErrNotExist):
		k, err = create(dir, path, s)
		return k, nil, err
	case errors.Is(err, errCorrupt):
		k, rerr := replace(dir, path, s)
		if rerr != nil {
			return nil, nil, fmt.Errorf("%w; replacing it: %w", err, rerr)
		}
		return k, fmt.Errorf("%w; replaced it with a new key", err), nil
	default:
		return nil, nil, err
	}
}

// maxKeyFile bounds what load reads: a 2048-bit PKCS#1 PEM is under 2 KiB.
const maxKeyFile = 64 << 10

// load reads the key at path. The file is opened as the cache opens its
// entries (privfile: no link followed, no FIFO waited on, only our own
// regular file); anything else counts as corrupt, so it is replaced by a
// rename that swaps the planted name, never touching what it points to.
// A key file others can read is made private through the same descriptor;
// failing that is the warning.
func load(path string, s Sealer) (k *Key, warning, err error) {
	f, err := privfile.Open(path, os.O_RDONLY, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("reading the PoP key: %w", err)
	case errors.Is(err, privfile.ErrSymlink), errors.Is(err, privfile.ErrNotRegular), errors.Is(err, privfile.ErrForeign):
		return nil, nil, fmt.Errorf("the PoP key %s: %w: %w", path, errCorrupt, err)
	case err != nil:
		return nil, nil, fmt.Errorf("reading the PoP key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the PoP key: %w", err)
	}
	block, _ := pem.Decode(b)
	der, sealed, err := unseal(block, s)
	if err != nil {
		return nil, nil, fmt.Errorf("the PoP key %s: %w: %w", path, errCorrupt, err)
	}
	priv, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil || priv.N.BitLen() < keyBits {
		return nil, nil, fmt.Errorf("the PoP key %s: %w", path, errCorrupt)
	}
	k = newKey(priv)
	if !sealed && s != nil {
		migrate(filepath.Dir(path), path, k, s)
	}
	return k, tighten(f, path), nil
}

// unseal returns the PKCS#1 bytes of a key file's PEM block and whether
// they were encrypted.
func unseal(block *pem.Block, s Sealer) (der []byte, sealed bool, err error) {
	switch {
	case block != nil && block.Type == pemType:
		return block.Bytes, false, nil
	case block == nil || block.Type != sealedPEMType:
		return nil, false, errors.New("no PEM key block")
	case s == nil:
		return nil, true, errors.New("it is encrypted and the token store in use cannot read it")
	}
	der, err = s.Open(block.Bytes, sealName)
	return der, true, err
}

// migrate rewrites a plaintext key encrypted, best effort: the same key,
// so a concurrent reader sees the same key in either form.
func migrate(dir, path string, k *Key, s Sealer) {
	tmp, err := writeTempKey(dir, k, s)
	if err != nil {
		return
	}
	if os.Rename(tmp, path) != nil {
		_ = os.Remove(tmp)
		return
	}
	syncDir(dir)
}

// tighten makes a key file that others can read private again, as the
// cache does for its entries. Windows permissions are not mode bits.
func tighten(f *os.File, path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("the PoP key %s is readable by other users (mode %04o) and cannot be made private: %w", path, fi.Mode().Perm(), err)
	}
	return nil
}

// create stores a new key at path unless another process got there first,
// in which case it uses that process's key.
func create(dir, path string, s Sealer) (*Key, error) {
	k, tmp, err := writeTemp(dir, s)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			k, _, err := load(path, s)
			return k, err
		}
		return nil, fmt.Errorf("storing the PoP key: %w", err)
	}
	syncDir(dir)
	return k, nil
}

// replace puts a new key over an unusable one, then uses whatever is on
// disk, so a process that raced it to the same repair shares its key.
func replace(dir, path string, s Sealer) (*Key, error) {
	_, tmp, err := writeTemp(dir, s)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("storing the PoP key: %w", err)
	}
	syncDir(dir)
	k, _, err := load(path, s)
	return k, err
}

// writeTemp generates a key and writes it, synced and 0600, to a temp file
// in dir (the same file system, so it can be linked or renamed into place).
func writeTemp(dir string, s Sealer) (*Key, string, error) {
	k, err := NewKey()
	if err != nil {
		return nil, "", err
	}
	tmp, err := writeTempKey(dir, k, s)
	return k, tmp, err
}

// writeTempKey writes k, encrypted with s unless s is nil, to a temp file in
// dir.
func writeTempKey(dir string, k *Key, s Sealer) (string, error) {
	block := &pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PrivateKey(k.priv)}
	if s != nil {
		sealed, err := s.Seal(block.Bytes, sealName)
		clear(block.Bytes)
		if err != nil {
			return "", fmt.Errorf("encrypting the PoP key: %w", err)
		}
		block = &pem.Block{Type: sealedPEMType, Bytes: sealed}
	}
	data := pem.EncodeToMemory(block)
	f, err := os.CreateTemp(dir, FileName+".tmp-*") // CreateTemp makes it 0600
	if err != nil {
		return "", fmt.Errorf("storing the PoP key: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("storing the PoP key: %w", err)
	}
	return f.Name(), nil
}

// syncDir makes the new name durable, so a power loss does not silently
// swap the key (which would only cost a cache miss: best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
