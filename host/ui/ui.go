// Package ui renders provider events for the person at the terminal. All
// of it goes to stderr: kubectl shows a plugin's stderr to the user and
// reads its stdout as data.
package ui

import (
	"errors"
	"fmt"
	"io"
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

// Message shows text as the provider wrote it.
func (t *Terminal) Message(text string) error { return t.println("%s", strings.TrimRight(text, "\n")) }

// Progress is shown only when verbose: most users want silence on success.
func (t *Terminal) Progress(text string) error {
	if !t.Verbose {
		return nil
	}
	return t.println("%s", text)
}

// DeviceCode prints the sign-in instruction, in Entra's wording when given.
func (t *Terminal) DeviceCode(dc sdk.DeviceCode) error {
	if dc.Message != "" {
		return t.println("%s", dc.Message)
	}
	return t.println("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", dc.VerificationURI, dc.UserCode)
}

// OpenURL tries the browser and always prints the URL, so a user on a
// headless machine or in a container can still copy it.
func (t *Terminal) OpenURL(url, purpose string) error {
	if purpose == "" {
		purpose = "sign in"
	}
	if t.OpenBrowser != nil {
		err := t.OpenBrowser(url)
		if err == nil {
			return t.println("A browser window was opened to %s. If it did not appear, open this URL yourself:\n%s", purpose, url)
		}
		if errors.Is(err, ErrNoBrowser) {
			// The redirect goes to a listener on this machine, so the URL must be opened here too.
			return t.println("%v.\nTo %s, open this URL in a browser on this machine (kubelogin waits until --timeout), or use `-l devicecode`, which needs no browser on this machine:\n%s", err, purpose, url)
		}
	}
	return t.println("To %s, open this URL in a browser:\n%s", purpose, url)
}
