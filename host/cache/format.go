package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The on-disk marker: kind tells our entries from any other JSON file, version lets a future format be
// recognised (and treated as a miss) instead of misread.
const (
	fileKind    = "kubelogin-cache-entry"
	fileVersion = 1
	// sealedVersion is an encrypted entry: a version 1 document sealed by the token store.
	sealedVersion = 2
)

// sealedFile is the JSON document of an encrypted entry. Nothing but the key ID is in clear.
type sealedFile struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	ID      string `json:"key"`
	Sealed  []byte `json:"sealed"`
}

// sealedPrefix starts every encrypted entry (encodeSealed writes the fields in this order), so a read
// tells the two formats apart without parsing twice.
var sealedPrefix = []byte(`{"kind":"kubelogin-cache-entry","version":2,`)

func encodeSealed(id string, sealed []byte) ([]byte, error) {
	return json.Marshal(sealedFile{Kind: fileKind, Version: sealedVersion, ID: id, Sealed: sealed})
}

// decodeSealed returns the sealed blob of an encrypted entry expected to hold key id.
func decodeSealed(data []byte, id string) ([]byte, error) {
	var f sealedFile
	if err := json.Unmarshal(data, &f); err != nil || len(f.Sealed) == 0 {
		return nil, errors.New("the encrypted entry is malformed")
	}
	if f.ID != id {
		return nil, errors.New("the entry belongs to another key (copied or renamed file)")
	}
	return f.Sealed, nil
}

// maxEntrySize bounds what Get reads, so a stray huge file cannot stall every kubectl call, and what Put
// writes, so an entry too large to be read back is refused when written (with an error that says so)
// instead of costing a sign-in on every call. Real entries (token plus a serialised MSAL cache) are a few
// kilobytes.
const maxEntrySize = 8 << 20

// entryFile is the JSON document of one entry file.
type entryFile struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	Entry
}

// fileHeader reads only the marker, to classify a file whose body does not decode.
type fileHeader struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
}

// encodeEntry builds the file contents for e stored under k, without modifying e.
func encodeEntry(k Key, e *Entry, now time.Time) ([]byte, error) {
	f := entryFile{Kind: fileKind, Version: fileVersion, Entry: *e}
	f.ID = k.ID()
	f.LoginMode, f.AuthorityHost, f.TenantID = k.LoginMode, k.AuthorityHost, k.TenantID
	f.ClientID, f.ServerID = k.ClientID, k.ServerID
	if f.Account == "" {
		// The provider's account (who signed in) says more than the key's
		// login hint; the key's is the fallback.
		f.Account = k.Account
	}
	f.Legacy, f.PoP = k.Legacy, k.PoPKeyID != ""
	if f.WrittenAt.IsZero() {
		f.WrittenAt = now
	}
	f.ExpiresAt, f.WrittenAt = f.ExpiresAt.UTC(), f.WrittenAt.UTC()
	data, err := json.Marshal(&f)
	if err != nil {
		return nil, fmt.Errorf("encoding cache entry: %w", err)
	}
	if len(data) > maxEntrySize {
		return nil, fmt.Errorf("the entry would be %d bytes (access token %d bytes, provider state %d bytes), over the limit of %d bytes that the cache reads back",
			len(data), len(f.AccessToken), len(f.State), maxEntrySize)
	}
	return data, nil
}

// decodeEntry parses an entry file expected to hold key id. Its errors say what is wrong with the file in
// words and never quote the contents, which are secrets.
func decodeEntry(data []byte, id string) (*Entry, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	var f entryFile
	err := json.Unmarshal(data, &f)
	if err != nil {
		if _, ok := errors.AsType[*json.SyntaxError](err); ok {
			return nil, errors.New("the file is not valid JSON (truncated or corrupt)")
		}
		// Well-formed JSON of another shape: ours in another version, or a foreign file.
		var h fileHeader
		if json.Unmarshal(data, &h) != nil {
			h = fileHeader{}
		}
		f.Kind, f.Version = h.Kind, h.Version
	}
	switch {
	case f.Kind != fileKind:
		return nil, errors.New("the file is not a kubelogin cache entry")
	case f.Version != fileVersion:
		return nil, fmt.Errorf("the entry has format version %d; this kubelogin reads version %d", f.Version, fileVersion)
	case err != nil:
		return nil, errors.New("the entry is malformed")
	case f.ID != id:
		return nil, errors.New("the entry belongs to another key (copied or renamed file)")
	}
	return &f.Entry, nil
}
