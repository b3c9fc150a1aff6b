package policy

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Open opens the approved binary once and checks its SHA-256. On Linux the
// check is made on a sealed in-memory copy that the caller then executes
// (see snapshot and Command), so neither replacing the path nor rewriting
// the file after the check changes what runs; elsewhere it is made on the
// open file, which is then executed by path.
func Open(p Provider) (*os.File, error) {
	src, err := os.Open(p.Path)
	if err != nil {
		return nil, fmt.Errorf("opening approved provider %s: %w", p.Path, err)
	}
	fi, err := src.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		src.Close()
		return nil, fmt.Errorf("approved provider %s is not a regular file", p.Path)
	}
	f, err := snapshot(src, p.Path)
	if f != src {
		src.Close()
	}
	if err != nil {
		return nil, err
	}
	sum, err := Sum(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("hashing approved provider %s: %w", p.Path, err)
	}
	want, _ := hex.DecodeString(p.SHA256)
	if subtle.ConstantTimeCompare(sum, want) != 1 {
		f.Close()
		return nil, fmt.Errorf("provider %s does not match the checksum in the provider policy (sha256 %x): reinstall the approved version or ask your administrator", p.Path, sum)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Sum is the SHA-256 of r's contents.
func Sum(r io.Reader) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
