package tokenstore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/kubelogin-dev/kubelogin/host/cache"
)

// Sealed blob layout: magic, key ID (which data key sealed it, so a lost key is told from corruption),
// GCM nonce, ciphertext with tag. The name the blob is stored under is authenticated as associated data,
// so a sealed entry copied or renamed to another key's file does not open.
var sealMagic = []byte("KLS1")

const (
	keyIDSize = 8
	nonceSize = 12
	headSize  = 4 + keyIDSize + nonceSize
)

// Sealer encrypts cache files with the data key of one cache directory. The key is fetched from the
// backend at the first use (one read per process) and created at the first Seal when none exists. Safe for
// concurrent use. It implements cache.Sealer and pop.Sealer.
type Sealer struct {
	backend KeyBackend
	dir     string

	mu   sync.Mutex
	aead cipher.AEAD
	id   []byte
}

// NewSealer returns the Sealer of cache directory dir.
func NewSealer(b KeyBackend, dir string) *Sealer { return &Sealer{backend: b, dir: dir} }

// Seal encrypts plain to be stored under name, creating the directory's data key if there is none.
func (s *Sealer) Seal(plain []byte, name string) ([]byte, error) {
	aead, id, err := s.key(true)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headSize, headSize+len(plain)+aead.Overhead())
	copy(out, sealMagic)
	copy(out[4:], id)
	nonce := out[4+keyIDSize : headSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	return aead.Seal(out, nonce, plain, aad(name)), nil
}

// Open decrypts what Seal stored under name. A blob sealed with a data key that is no longer stored wraps
// cache.ErrKeyLost; a blob that fails authentication is reported as altered or corrupt.
func (s *Sealer) Open(sealed []byte, name string) ([]byte, error) {
	if !IsSealed(sealed) || len(sealed) < headSize {
		return nil, errors.New("it is not an encrypted kubelogin file")
	}
	aead, id, err := s.key(false)
	switch {
	case errors.Is(err, ErrNoKey):
		return nil, fmt.Errorf("%w: %s holds no key for %s", cache.ErrKeyLost, s.backend.Name(), s.dir)
	case err != nil:
		return nil, err
	case !bytes.Equal(sealed[4:4+keyIDSize], id):
		return nil, fmt.Errorf("%w: it was encrypted with an earlier key", cache.ErrKeyLost)
	}
	plain, err := aead.Open(nil, sealed[4+keyIDSize:headSize], sealed[headSize:], aad(name))
	if err != nil {
		return nil, errors.New("it fails its integrity check (altered or corrupt)")
	}
	return plain, nil
}

// IsSealed reports whether data is a blob Seal produced, so readers tell encrypted files from the
// plaintext format they migrate.
func IsSealed(data []byte) bool { return bytes.HasPrefix(data, sealMagic) }

// Forget drops the key held in memory, so the next use reads the backend again (after remove-tokens).
func (s *Sealer) Forget() {
	s.mu.Lock()
	s.aead, s.id = nil, nil
	s.mu.Unlock()
}

// key returns the data key's cipher and ID, loading it once, creating it when create is set and none is
// stored. A key that was found is kept; a miss is not, so a later Seal can create it.
func (s *Sealer) key(create bool) (cipher.AEAD, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aead != nil {
		return s.aead, s.id, nil
	}
	k, err := s.backend.Load(s.dir)
	if err == nil && len(k) != keySize {
		err = fmt.Errorf("%w: the stored key has %d bytes", ErrNoKey, len(k))
	}
	if errors.Is(err, ErrNoKey) && create {
		fresh := make([]byte, keySize)
		if _, err := rand.Read(fresh); err != nil {
			return nil, nil, fmt.Errorf("creating the token cache key: %w", err)
		}
		k, err = s.backend.Create(s.dir, fresh)
		clear(fresh)
	}
	if err != nil {
		return nil, nil, err
	}
	defer clear(k)
	if len(k) != keySize {
		return nil, nil, fmt.Errorf("the token cache key in %s has %d bytes, not %d", s.backend.Name(), len(k), keySize)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(append([]byte("kubelogin data key id\x00"), k...))
	s.aead, s.id = aead, sum[:keyIDSize]
	return s.aead, s.id, nil
}

func aad(name string) []byte { return []byte("kubelogin sealed v1\x00" + name) }
