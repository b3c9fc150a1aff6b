package tokenstore

import (
	"bytes"
	"sync"
)

// memKeys is a KeyBackend in memory.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string][]byte
	blocked error
	creates int
}

func newMemKeys() *memKeys { return &memKeys{keys: map[string][]byte{}} }

func (m *memKeys) Name() string { return "memory" }
func (m *memKeys) Probe() error { return m.blocked }
func (m *memKeys) Load(dir string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil {
		return nil, m.blocked
	}
	k, ok := m.keys[dir]
	if !ok {
		return nil, ErrNoKey
	}
	return bytes.Clone(k), nil
}
func (m *memKeys) Create(dir string, key []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil {
		return nil, m.blocked
	}
	m.creates++
	if _, ok := m.keys[dir]; !ok {
		m.keys[dir] = bytes.Clone(key)
	}
	return bytes.Clone(m.keys[dir]), nil
}
func (m *memKeys) Delete(dir string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.keys[dir]
	delete(m.keys, dir)
	return ok, nil
}
