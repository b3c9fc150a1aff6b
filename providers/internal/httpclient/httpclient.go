// Package httpclient gives providers the HTTP client they use for Entra ID.
package httpclient

import "net/http"

// New returns a client on a copy of Go's default transport, which honours
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY, and whose TLS roots honour
// SSL_CERT_FILE and SSL_CERT_DIR: what users behind a corporate proxy rely
// on. It has no overall timeout; the request context bounds every call.
func New() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// Or returns override when set (a package's tests inject a client that
// trusts their fake), else a new client.
func Or(override *http.Client) *http.Client {
	if override != nil {
		return override
	}
	return New()
}
