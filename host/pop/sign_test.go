package pop

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

const u = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"

func TestSign(t *testing.T) {
	k := testKey(t)
	now := time.Unix(1_700_000_000, 0)
	tok, err := k.Sign("inner.access.token", map[string]string{"u": u, "p": "/api/v1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	header, payload := verify(t, tok)

	if header["typ"] != "pop" || header["alg"] != "RS256" || header["kid"] != k.Thumbprint() || len(header) != 3 {
		t.Errorf("header = %v", header)
	}
	for name, want := range map[string]any{"at": "inner.access.token", "ts": float64(now.Unix()), "u": u, "p": "/api/v1"} {
		if payload[name] != want {
			t.Errorf("payload %s = %v, want %v", name, payload[name], want)
		}
	}
	if n, _ := payload["nonce"].(string); len(n) != 32 || strings.Trim(n, "0123456789abcdef") != "" {
		t.Errorf("nonce = %q, want 32 hex characters", payload["nonce"])
	}
	cnf, _ := payload["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	for name, want := range k.JWK() {
		if jwk[name] != want {
			t.Errorf("cnf.jwk.%s = %v, want %v", name, jwk[name], want)
		}
	}
	// A verifier knows nothing but the token: the key in cnf.jwk must check it.
	verifyWith(t, tok, jwkPublicKey(t, jwk))
}

func TestSignFreshNonce(t *testing.T) {
	k := testKey(t)
	now := time.Now()
	seen := map[string]bool{}
	for range 50 {
		tok, err := k.Sign("at", map[string]string{"u": u}, now)
		if err != nil {
			t.Fatal(err)
		}
		_, payload := verify(t, tok)
		n := payload["nonce"].(string)
		if seen[n] {
			t.Fatalf("nonce %s repeated", n)
		}
		seen[n] = true
	}
}

func TestSignRejectsClaims(t *testing.T) {
	k := testKey(t)
	tests := []struct {
		name   string
		claims map[string]string
		want   string
	}{
		{"no u", map[string]string{"p": "x"}, "claim u"},
		{"nil", nil, "claim u"},
		{"reserved at", map[string]string{"u": u, "at": "x"}, `"at"`},
		{"reserved nonce", map[string]string{"u": u, "nonce": "x"}, `"nonce"`},
		{"reserved cnf", map[string]string{"u": u, "cnf": "x"}, `"cnf"`},
		{"reserved ts", map[string]string{"u": u, "ts": "1"}, `"ts"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.Sign("secret-access-token", tt.claims, time.Now())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-access-token") {
				t.Fatal("the error shows the access token")
			}
		})
	}
}

// verify checks tok's signature with the key that signed it and returns
// the decoded header and payload.
func verify(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	verifyWith(t, tok, &testKey(t).priv.PublicKey)
	return decodePart(t, parts[0]), decodePart(t, parts[1])
}

func verifyWith(t *testing.T, tok string, pub *rsa.PublicKey) {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatalf("signature is not unpadded base64url: %v", err)
	}
	digest := sha256.Sum256([]byte(tok[:i]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func decodePart(t *testing.T, part string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatalf("part is not unpadded base64url: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jwkPublicKey(t *testing.T, jwk map[string]any) *rsa.PublicKey {
	t.Helper()
	n, err1 := base64.RawURLEncoding.DecodeString(jwk["n"].(string))
	e, err2 := base64.RawURLEncoding.DecodeString(jwk["e"].(string))
	if err1 != nil || err2 != nil {
		t.Fatalf("cnf.jwk n/e are not base64url: %v %v", err1, err2)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
}
