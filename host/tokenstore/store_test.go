package tokenstore

import (
	"errors"
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	tests := []struct {
		raw, source string
		want        string
		err         string
	}{
		{want: "auto (default)"},
		{source: "KUBELOGIN_TOKEN_STORE", want: "auto (default)"},
		{raw: "file", source: "KUBELOGIN_TOKEN_STORE", want: "KUBELOGIN_TOKEN_STORE=file"},
		{raw: "Encrypted", source: "--token-store", want: "--token-store=encrypted"},
		{raw: "none", want: "--token-store=none"},
		{raw: "keychain", source: "KUBELOGIN_TOKEN_STORE", err: `KUBELOGIN_TOKEN_STORE "keychain" is not a token store: use auto, encrypted, file or none`},
	}
	for _, tt := range tests {
		c, err := Choose(tt.raw, tt.source)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Choose(%q, %q) error %v, want %q", tt.raw, tt.source, err, tt.err)
			}
			continue
		}
		if err != nil || c.String() != tt.want {
			t.Errorf("Choose(%q, %q) = %s, %v; want %s", tt.raw, tt.source, c, err, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	blocked := errors.New("no key store here")
	policy := Requirement{By: "the provider policy /p.yaml"}
	tests := []struct {
		name      string
		mode      Mode
		req       Requirement
		blocked   bool
		encrypted bool
		fallback  bool
		stores    bool
		err       string
	}{
		{name: "auto", mode: Auto, encrypted: true, stores: true},
		{name: "auto falls back", mode: Auto, blocked: true, fallback: true, stores: true},
		{name: "encrypted", mode: Encrypted, encrypted: true, stores: true},
		{name: "encrypted refuses", mode: Encrypted, blocked: true, err: "cannot be honoured: no key store here"},
		{name: "file", mode: File, stores: true},
		{name: "none", mode: None},
		{name: "policy, auto", mode: Auto, req: policy, encrypted: true, stores: true},
		{name: "policy refuses fallback", mode: Auto, req: policy, blocked: true, err: "the provider policy /p.yaml requires encrypted token storage, but no key store here"},
		{name: "policy refuses file", mode: File, req: policy, err: "is not allowed"},
		{name: "policy allows none", mode: None, req: policy, blocked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := newMemKeys()
			if tt.blocked {
				keys.blocked = blocked
			}
			st, err := Open("/c", Choice{Mode: tt.mode, Source: "--token-store"}, tt.req, keys)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Encrypted != tt.encrypted || st.Fallback != tt.fallback || st.Stores() != tt.stores || (st.Sealer() != nil) != tt.encrypted {
				t.Errorf("store %+v", st)
			}
			if len(st.CacheOptions()) != map[bool]int{true: 1, false: 0}[tt.encrypted || tt.fallback] {
				t.Errorf("%d cache options", len(st.CacheOptions()))
			}
		})
	}
}

func TestRemoveKey(t *testing.T) {
	keys := newMemKeys()
	keys.keys["/c"] = make([]byte, keySize)
	if what, err := RemoveKey("/c", Choice{Mode: File}, keys); what != "" || err != nil || len(keys.keys) != 1 {
		t.Fatalf("file mode touched the key store: %q, %v", what, err)
	}
	if what, err := RemoveKey("/c", Choice{Mode: Auto}, keys); err != nil || !strings.Contains(what, "memory") || len(keys.keys) != 0 {
		t.Fatalf("RemoveKey = %q, %v", what, err)
	}
	if what, err := RemoveKey("/c", Choice{Mode: Auto}, keys); what != "" || err != nil {
		t.Fatalf("second RemoveKey = %q, %v", what, err)
	}
}
