// Command chromiumbrowser is the $BROWSER of the e2e tests' real-browser
// tier. When kubelogin opens a sign-in page it runs `chromiumbrowser URL`,
// which hands the URL to the headless Chromium the test drives (by POSTing
// it to CHROMIUMBROWSER_URL, the test's loopback endpoint) and returns, as a
// browser launcher does. The test then signs in with Chromium.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: chromiumbrowser URL")
		os.Exit(2)
	}
	if err := handOver(os.Getenv("CHROMIUMBROWSER_URL"), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "chromiumbrowser:", err)
		os.Exit(1)
	}
}

// handOver posts url to the test's endpoint, never through a proxy: the
// endpoint is on loopback, and the environment is the user's, proxies and all.
func handOver(endpoint, url string) error {
	if endpoint == "" {
		return fmt.Errorf("CHROMIUMBROWSER_URL is not set: run me from a test that drives Chromium")
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	resp, err := client.Post(endpoint, "text/plain", strings.NewReader(url))
	if err != nil {
		return fmt.Errorf("hand the URL to the test's Chromium: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("hand the URL to the test's Chromium: %s", resp.Status)
	}
	return nil
}
