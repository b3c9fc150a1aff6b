// Package ui renders provider events for the person at the terminal. All
// of it goes to stderr: kubectl shows a plugin's stderr to the user and
// reads its stdout as data.
package ui

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
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
		if err := t.OpenBrowser(url); err == nil {
			return t.println("A browser window was opened to %s. If it did not appear, open this URL yourself:\n%s", purpose, url)
		}
	}
	return t.println("To %s, open this URL in a browser:\n%s", purpose, url)
}

// SystemBrowser opens url with $BROWSER, else the platform's opener, with
// the variables as getenv gives them. Its output goes to stderr so it can
// never corrupt the ExecCredential.
func SystemBrowser(getenv func(string) string, url string) error {
	if b := getenv("BROWSER"); b != "" {
		return start(browserCommands(b, url))
	}
	switch runtime.GOOS {
	case "darwin":
		return start([][]string{{"open", url}})
	case "windows":
		return start([][]string{{"rundll32", "url.dll,FileProtocolHandler", url}})
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return fmt.Errorf("no display to open a browser on")
	}
	return start([][]string{{"xdg-open", url}})
}

// browserCommands reads $BROWSER the way xdg-utils does: a list of commands
// separated by ':', each run with the URL appended, or in place of %s.
func browserCommands(browser, url string) [][]string {
	var cmds [][]string
	for _, entry := range strings.Split(browser, ":") {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(entry, "%s") {
			for i, f := range fields {
				fields[i] = strings.ReplaceAll(f, "%s", url)
			}
		} else {
			fields = append(fields, url)
		}
		cmds = append(cmds, fields)
	}
	return cmds
}

// start runs the first command that starts, without waiting for it.
func start(cmds [][]string) error {
	err := fmt.Errorf("no browser command")
	for _, c := range cmds {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err = cmd.Start(); err == nil {
			go func() { _ = cmd.Wait() }()
			return nil
		}
	}
	return err
}
