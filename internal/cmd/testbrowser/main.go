// Command testbrowser stands in for a web browser in tests. Set BROWSER to
// it, and when a provider asks kubelogin to open a sign-in page, the host
// runs `testbrowser URL`. Like a real browser launcher it returns at once;
// a copy of itself started in the background then signs in at the Entra ID
// emulator the way a person would (entraemu.Browser: the login form, then the
// form_post back to MSAL's loopback redirect).
//
// Environment:
//
//	SSL_CERT_FILE         the emulator's CA, the only one trusted
//	TESTBROWSER_USER      account typed into the login form; unset keeps
//	                      the login hint, else the emulator's default user
//	TESTBROWSER_PASSWORD  password typed into the login form
//	TESTBROWSER_LOG       file to append to: "open URL" for every launch,
//	                      then "signed in" or "error: …", so tests can count
//	                      how often a browser was opened
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// signInArg marks the background copy; the launcher passes it.
const signInArg = "--sign-in"

// signInTimeout bounds the background copy, which holds the caller's
// stderr while it runs.
const signInTimeout = 30 * time.Second

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == signInArg:
		err = signIn(os.Args[2])
		if err != nil {
			logLine("error: " + err.Error())
		} else {
			logLine("signed in")
		}
	case len(os.Args) == 2:
		err = launch(os.Args[1])
	default:
		fmt.Fprintln(os.Stderr, "usage: testbrowser URL")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbrowser:", err)
		os.Exit(1)
	}
}

// launch starts the sign-in in the background and returns, as xdg-open
// does: the host does not wait for a browser.
func launch(url string) error {
	logLine("open " + url)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.Command(self, signInArg, url)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the sign-in: %w", err)
	}
	return cmd.Process.Release()
}

func signIn(url string) error {
	pem, err := os.ReadFile(os.Getenv("SSL_CERT_FILE"))
	if err != nil {
		return fmt.Errorf("read the CA named by SSL_CERT_FILE: %w", err)
	}
	client, err := testca.HTTPClientFromPEM(pem)
	if err != nil {
		return fmt.Errorf("SSL_CERT_FILE: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), signInTimeout)
	defer cancel()
	b := &entraemu.Browser{HTTPClient: client, Username: os.Getenv("TESTBROWSER_USER"), Password: os.Getenv("TESTBROWSER_PASSWORD")}
	return b.Open(ctx, url)
}

// logLine appends one line to TESTBROWSER_LOG, if set; O_APPEND keeps
// lines from concurrent launches whole.
func logLine(line string) {
	name := os.Getenv("TESTBROWSER_LOG")
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbrowser:", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		fmt.Fprintln(os.Stderr, "testbrowser:", err)
	}
}
