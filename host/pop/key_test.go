package pop

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
)

// TestThumbprintRFC7638 checks the example of RFC 7638 section 3.1.
func TestThumbprintRFC7638(t *testing.T) {
	const (
		n    = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
		e    = "AQAB"
		want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	)
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
	gotN, gotE := jwkNE(pub)
	if gotN != n || gotE != e {
		t.Fatalf("JWK n/e encoding differs from the RFC: e = %q", gotE)
	}
	k := newKey(&rsa.PrivateKey{PublicKey: *pub})
	if got := k.Thumbprint(); got != want {
		t.Fatalf("Thumbprint() = %q, want %q", got, want)
	}
}

func TestReqCnfAndJWK(t *testing.T) {
	k := testKey(t)
	raw, err := base64.RawURLEncoding.DecodeString(k.ReqCnf())
	if err != nil {
		t.Fatalf("ReqCnf is not unpadded base64url: %v", err)
	}
	if want := `{"kid":"` + k.Thumbprint() + `","xms_ksl":"sw"}`; string(raw) != want {
		t.Fatalf("ReqCnf decodes to %s, want %s", raw, want)
	}

	jwk := k.JWK()
	n, e := jwkNE(&k.priv.PublicKey)
	want := map[string]string{"e": e, "kty": "RSA", "n": n, "alg": "RS256", "kid": k.Thumbprint()}
	got, _ := json.Marshal(jwk)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Fatalf("JWK() = %s, want %s", got, exp)
	}
	if thumbprint(jwk["n"], jwk["e"]) != jwk["kid"] {
		t.Fatal("the JWK's kid is not its own thumbprint")
	}
}

var (
	keyOnce   sync.Once
	sharedKey *Key
	sharedErr error
)

// testKey is one generated key shared by the tests of a run; RSA
// generation is slow under -race.
func testKey(t *testing.T) *Key {
	t.Helper()
	keyOnce.Do(func() { sharedKey, sharedErr = NewKey() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedKey
}
