// Package ui renders provider events for the person at the terminal. All
// of it goes to stderr: kubectl shows a plugin's stderr to the user and
// reads its stdout as data.
package ui

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Terminal implements sdk.UI on a writer.
type Terminal struct {
	Out io.Writer
	// Verbose shows progress events too.
	Verbose bool
	// OpenBrowser opens a URL; nil means only print it.
	OpenBrowser func(url string) error

	mu sync.Mutex
}

var _ sdk.UI = (*Terminal)(nil)

func (t *Terminal) println(format string, args ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := fmt.Fprintf(t.Out, format+"\n", args...)
	return err
}

// Message shows text as the provider wrote it, less control characters
// (Clean): provider and Entra text must not drive the terminal.
func (t *Terminal) Message(text string) error {
	return t.println("%s", strings.TrimRight(Clean(text), "\n"))
}

// Progress is shown only when verbose: most users want silence on success.
func (t *Terminal) Progress(text string) error {
	if !t.Verbose {
		return nil
	}
	return t.println("%s", Clean(text))
}

// DeviceCode prints the sign-in instruction, in Entra's wording when given.
func (t *Terminal) DeviceCode(dc sdk.DeviceCode) error {
	if dc.Message != "" {
		return t.println("%s", strings.TrimRight(Clean(dc.Message), "\n"))
	}
	return t.println("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", CleanLine(dc.VerificationURI), CleanLine(dc.UserCode))
}

// OpenURL tries the browser and always prints the URL, so a user on a
// headless machine or in a container can still copy it. Only http and
// https URLs are opened or shown: anything else (file:, a custom scheme
// handler, javascript:) is refused with an error that ends the request.
func (t *Terminal) OpenURL(rawURL, purpose string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || CleanLine(rawURL) != rawURL {
		return fmt.Errorf("the provider asked to open a URL that is not an http or https address; kubelogin opens only those")
	}
	purpose = CleanLine(purpose)
	if purpose == "" {
		purpose = "sign in"
	}
	if t.OpenBrowser != nil {
		err := t.OpenBrowser(rawURL)
		if err == nil {
			return t.println("A browser window was opened to %s. If it did not appear, open this URL yourself:\n%s", purpose, rawURL)
		}
		if errors.Is(err, ErrNoBrowser) {
			// The redirect goes to a listener on this machine, so the URL must be opened here too.
			return t.println("%v.\nTo %s, open this URL in a browser on this machine (kubelogin waits until --timeout), or use `-l devicecode`, which needs no browser on this machine:\n%s", err, purpose, rawURL)
		}
	}
	return t.println("To %s, open this URL in a browser:\n%s", purpose, rawURL)
}
