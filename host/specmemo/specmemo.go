// Package specmemo remembers the mode specs that third-party providers
// declared in Describe, so that get-token can plan a call (validate it, key
// the cache, find the invalidation files) without starting the provider:
// a cache hit must start nothing.
//
// The memo is one file, FileName, in the token cache directory (private to
// the user, like the cache entries). It maps a provider binary's path to
// the size and modification time the binary had when it was described, and
// the specs it declared then. A binary that changed in either is described
// again. The file is replaced atomically; one that is missing, unreadable
// or malformed is a miss, never an error.
package specmemo

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/privfile"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// FileName is the memo's name in the cache directory.
const FileName = "provider-specs.json"

// maxSize bounds what is read: specs are small, a huge file is not ours.
const maxSize = 1 << 20

// Binary identifies one provider executable as it is on disk.
type Binary struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// Stat identifies the provider binary at path.
func Stat(path string) (Binary, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Binary{}, err
	}
	return Binary{Path: path, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Memo is the memo file of one cache directory; a nil Memo remembers
// nothing.
type Memo struct{ path string }

// Open returns the memo kept in dir, nil for "" (no cache directory).
func Open(dir string) *Memo {
	if dir == "" {
		return nil
	}
	return &Memo{path: filepath.Join(dir, FileName)}
}

type fileFormat struct {
	Version   int               `json:"v"`
	Providers map[string]record `json:"providers"`
}

type record struct {
	Size    int64          `json:"size"`
	ModTime time.Time      `json:"mtime"`
	Modes   []sdk.ModeSpec `json:"modes"`
}

const version = 1

// Lookup returns the spec of mode that b declared, if b is remembered as
// it is now and the spec is well-formed.
func (m *Memo) Lookup(b Binary, mode string) (sdk.ModeSpec, bool) {
	if m == nil {
		return sdk.ModeSpec{}, false
	}
	r, ok := m.read().Providers[b.Path]
	if !ok || r.Size != b.Size || !r.ModTime.Equal(b.ModTime) {
		return sdk.ModeSpec{}, false
	}
	for _, s := range r.Modes {
		if s.LoginMode == mode && s.Validate() == nil {
			return s, true
		}
	}
	return sdk.ModeSpec{}, false
}

// Remember records the specs b declared, replacing what was remembered for
// its path. Concurrent writers may lose each other's records: that costs
// one more Describe, never a wrong spec.
func (m *Memo) Remember(b Binary, specs []sdk.ModeSpec) error {
	if m == nil {
		return nil
	}
	f := m.read()
	if f.Providers == nil {
		f.Providers = map[string]record{}
	}
	f.Version = version
	f.Providers[b.Path] = record{Size: b.Size, ModTime: b.ModTime, Modes: specs}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return writeAtomic(m.path, data)
}

// read returns the memo's contents; anything wrong reads as empty.
func (m *Memo) read() fileFormat {
	fh, err := privfile.Open(m.path, os.O_RDONLY, 0)
	if err != nil {
		return fileFormat{}
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxSize+1))
	if err != nil || len(data) > maxSize {
		return fileFormat{}
	}
	var f fileFormat
	if json.Unmarshal(data, &f) != nil || f.Version != version {
		return fileFormat{}
	}
	return f
}

// writeAtomic replaces path so that readers see the old or the new
// contents, never a part; the temp file is 0600 and removed on failure.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		if rerr := os.Remove(tmp.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return err
	}
	return nil
}
