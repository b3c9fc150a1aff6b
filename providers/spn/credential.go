package spn

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// credential is what the service principal proves itself with: a
// certificate and its key, or else a secret.
type credential struct {
	secret string
	cert   *x509.Certificate
	key    *rsa.PrivateKey
}

// loadCredential prefers the certificate when both are set, as upstream
// kubelogin does. The file is read on every request so a rotated
// certificate is picked up.
func loadCredential(c sdk.Credentials) (credential, error) {
	if c.ClientCertificatePath == "" {
		return credential{secret: c.ClientSecret}, nil
	}
	cert, key, err := loadCertificate(c.ClientCertificatePath, c.ClientCertificatePassword)
	if err != nil {
		return credential{}, sdk.Errorf(sdk.CodeInvalidRequest, "client certificate %s: %v", c.ClientCertificatePath, err)
	}
	return credential{cert: cert, key: key}, nil
}

// loadCertificate reads a ".pfx" file as PKCS#12 and anything else as PEM,
// and returns the certificate that matches the private key: that is the one
// registered with the application, whatever order the file lists them in.
func loadCertificate(path, password string) (*x509.Certificate, *rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read it: %w", errors.Unwrap(err))
	}
	var certs []*x509.Certificate
	var key any
	if strings.HasSuffix(path, ".pfx") {
		var leaf *x509.Certificate
		var chain []*x509.Certificate
		key, leaf, chain, err = pkcs12.DecodeChain(data, password)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot decode PKCS#12 (check --client-certificate-password): %w", err)
		}
		certs = append([]*x509.Certificate{leaf}, chain...)
	} else if certs, key, err = parsePEM(data); err != nil {
		return nil, nil, err
	}
	rsaKey, err := asRSA(key)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&rsaKey.PublicKey) {
			return c, rsaKey, nil
		}
	}
	return nil, nil, errors.New("no certificate in the file matches its private key")
}

func parsePEM(data []byte) ([]*x509.Certificate, any, error) {
	var certs []*x509.Certificate
	var key any
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if _, encrypted := block.Headers["DEK-Info"]; encrypted || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, nil, errors.New("encrypted PEM private keys are not supported: use an unencrypted key, or a .pfx file with --client-certificate-password")
		}
		var k any
		var err error
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("cannot parse a CERTIFICATE block: %w", err)
			}
			certs = append(certs, c)
			continue
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cannot parse the %s block: %w", block.Type, err)
		}
		if key != nil {
			return nil, nil, errors.New("it holds more than one private key")
		}
		key = k
	}
	switch {
	case len(certs) == 0:
		return nil, nil, errors.New("no CERTIFICATE block found")
	case key == nil:
		return nil, nil, errors.New(`no private key found (expected a "PRIVATE KEY" or "RSA PRIVATE KEY" block)`)
	}
	return certs, key, nil
}

// asRSA insists on RSA: Entra ID client assertions from MSAL, azidentity
// and the v1 endpoint are RS256/PS256 only.
func asRSA(key any) (*rsa.PrivateKey, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return nil, errors.New("the private key is ECDSA, but Entra ID client certificates need an RSA key")
	}
	return nil, fmt.Errorf("unsupported private key type %T; Entra ID client certificates need an RSA key", key)
}
