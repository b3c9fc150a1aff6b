// Package msalcache keeps MSAL's serialized token cache in memory, so that
// it can travel to the host as opaque provider state instead of being
// written to disk by the provider.
package msalcache

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// Blob is an MSAL cache.ExportReplace over a byte slice.
type Blob struct {
	mu   sync.Mutex
	data []byte
}

var _ cache.ExportReplace = (*Blob)(nil)

// New starts from state, the bytes a previous run returned (nil for none).
func New(state []byte) *Blob { return &Blob{data: slices.Clone(state)} }

// Replace loads the stored cache into MSAL.
func (b *Blob) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.data) == 0 {
		return nil
	}
	if err := u.Unmarshal(b.data); err != nil {
		return fmt.Errorf("load token cache from provider state: %w", err)
	}
	return nil
}

// Export captures MSAL's cache after it changed.
func (b *Blob) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	data, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("serialize token cache: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = data
	return nil
}

// Bytes returns the current serialized cache.
func (b *Blob) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.data)
}

// Reset forgets the cache, for state that MSAL could not read.
func (b *Blob) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = nil
}
