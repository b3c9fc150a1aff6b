package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandOver: the URL reaches the test's endpoint unchanged, even with a
// proxy in the environment; a missing or failing endpoint is an error.
func TestHandOver(t *testing.T) {
	const signInURL = "https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&state=s%20x"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || string(b) != signInURL {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")

	tests := []struct {
		name, endpoint, url, wantErr string
	}{
		{name: "handed over", endpoint: srv.URL, url: signInURL},
		{name: "no endpoint", url: signInURL, wantErr: "CHROMIUMBROWSER_URL is not set"},
		{name: "endpoint refuses", endpoint: srv.URL, url: "https://elsewhere.example/", wantErr: "400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := handOver(tt.endpoint, tt.url)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("handOver: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("handOver error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
