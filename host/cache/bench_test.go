package cache

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// benchEntry is the size of a real entry: a JWT and a serialised MSAL cache of a few kilobytes.
func benchEntry() *Entry {
	return &Entry{AccessToken: strings.Repeat("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.", 55), TokenType: "Bearer",
		ExpiresAt: time.Now().Add(time.Hour), State: bytes.Repeat([]byte(`{"RefreshToken":{"x":"0.AAAA"}}`), 256)}
}

// BenchmarkGetHit is the cost of a cache hit on an open Cache.
func BenchmarkGetHit(b *testing.B) {
	dir := b.TempDir()
	c := Open(dir, func(msg string) { b.Fatal(msg) })
	if err := c.Put(testKey, benchEntry()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok := c.Get(testKey); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkOpenGetHit is get-token's whole cache path on a hit: Open, Get, Usable.
func BenchmarkOpenGetHit(b *testing.B) {
	dir := b.TempDir()
	if err := Open(dir, nil).Put(testKey, benchEntry()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c := Open(dir, func(msg string) { b.Fatal(msg) })
		if e, ok := c.Get(testKey); !ok || !e.Usable(time.Now(), 5*time.Minute) {
			b.Fatal("miss")
		}
	}
}

// BenchmarkPut is the cost of storing a fresh token (fsync bound).
func BenchmarkPut(b *testing.B) {
	c := Open(b.TempDir(), func(msg string) { b.Fatal(msg) })
	e := benchEntry()
	for b.Loop() {
		if err := c.Put(testKey, e); err != nil {
			b.Fatal(err)
		}
	}
}
