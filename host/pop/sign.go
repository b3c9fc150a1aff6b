package pop

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// reserved are the payload claims Sign sets itself; --pop-claims cannot
// override them.
var reserved = map[string]bool{"at": true, "ts": true, "cnf": true, "nonce": true}

// Sign wraps accessToken in a PoP token (the signed HTTP request format
// Azure/kubelogin and AKS use): header {"typ":"pop","alg":"RS256","kid"},
// payload {"at","ts","u","cnf":{"jwk"},"nonce"}, RS256. Every call gets a
// fresh ts and nonce, so a PoP token is never reused even when the access
// token comes from the cache.
//
// claims must hold u (the cluster's ARM resource id). Other claims are
// added as string claims; Azure/kubelogin drops them, but a server that
// expects one would otherwise never see it.
func (k *Key) Sign(accessToken string, claims map[string]string, now time.Time) (string, error) {
	if claims["u"] == "" {
		return "", errors.New("the PoP claim u (the cluster's ARM resource id) is required")
	}
	payload := map[string]any{}
	for name, v := range claims {
		if reserved[name] {
			return "", fmt.Errorf("the PoP claim %q is set by kubelogin itself; remove it from --pop-claims", name)
		}
		payload[name] = v
	}
	payload["at"] = accessToken
	payload["ts"] = now.Unix()
	payload["cnf"] = map[string]any{"jwk": k.JWK()}
	payload["nonce"] = nonce()

	header, err := json.Marshal(map[string]string{"typ": "pop", "alg": "RS256", "kid": k.kid})
	if err != nil {
		return "", fmt.Errorf("encoding the PoP token header: %w", err)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("encoding the PoP token payload: %w", err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	signed := enc(header) + "." + enc(body)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing the PoP token: %w", err)
	}
	return signed + "." + enc(sig), nil
}

// nonce is 128 random bits as 32 hex characters, the size of the UUID
// (without dashes) Azure/kubelogin sends.
func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
