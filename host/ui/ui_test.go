package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

func TestTerminal(t *testing.T) {
	tests := []struct {
		name string
		term func(*bytes.Buffer) *Terminal
		do   func(*Terminal) error
		want string
	}{
		{
			name: "device code in Entra's words",
			do: func(t *Terminal) error {
				return t.DeviceCode(sdk.DeviceCode{Message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABC to authenticate."})
			},
			want: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABC to authenticate.\n",
		},
		{
			name: "device code without message",
			do: func(t *Terminal) error {
				return t.DeviceCode(sdk.DeviceCode{VerificationURI: "https://x/device", UserCode: "XYZ"})
			},
			want: "To sign in, use a web browser to open the page https://x/device and enter the code XYZ to authenticate.\n",
		},
		{
			name: "progress hidden unless verbose",
			do:   func(t *Terminal) error { return t.Progress("working") },
			want: "",
		},
		{
			name: "progress when verbose",
			term: func(b *bytes.Buffer) *Terminal { return &Terminal{Out: b, Verbose: true} },
			do:   func(t *Terminal) error { return t.Progress("working") },
			want: "working\n",
		},
		{
			name: "open url without a browser prints it",
			do:   func(t *Terminal) error { return t.OpenURL("https://login/authorize", "") },
			want: "To sign in, open this URL in a browser:\nhttps://login/authorize\n",
		},
		{
			name: "open url with a failing browser prints it",
			term: func(b *bytes.Buffer) *Terminal {
				return &Terminal{Out: b, OpenBrowser: func(string) error { return errors.New("no display") }}
			},
			do:   func(t *Terminal) error { return t.OpenURL("https://login/authorize", "sign in") },
			want: "To sign in, open this URL in a browser:\nhttps://login/authorize\n",
		},
		{
			name: "open url with a browser still prints the fallback",
			term: func(b *bytes.Buffer) *Terminal {
				return &Terminal{Out: b, OpenBrowser: func(string) error { return nil }}
			},
			do:   func(t *Terminal) error { return t.OpenURL("https://login/authorize", "sign in") },
			want: "A browser window was opened to sign in. If it did not appear, open this URL yourself:\nhttps://login/authorize\n",
		},
		{
			name: "escape sequences stripped from a message, lines kept",
			do: func(t *Terminal) error {
				return t.Message("\x1b]0;pwned\x07Sign in\x1b[2J\x1b[31m now\r\n\tthen \u009b6nretry\u202e\x00\x7f\n")
			},
			want: "]0;pwnedSign in[2J[31m now\n\tthen 6nretry\n",
		},
		{
			name: "escape sequences stripped from Entra's device code message",
			do: func(t *Terminal) error {
				return t.DeviceCode(sdk.DeviceCode{Message: "Open \x1b[8mhidden\x1b[0m https://microsoft.com/devicelogin"})
			},
			want: "Open [8mhidden[0m https://microsoft.com/devicelogin\n",
		},
		{
			name: "device code fields are one line",
			do: func(t *Terminal) error {
				return t.DeviceCode(sdk.DeviceCode{VerificationURI: "https://x/device\n\x1b[1A", UserCode: "XYZ\r"})
			},
			want: "To sign in, use a web browser to open the page https://x/device[1A and enter the code XYZ to authenticate.\n",
		},
		{
			name: "progress stripped",
			term: func(b *bytes.Buffer) *Terminal { return &Terminal{Out: b, Verbose: true} },
			do:   func(t *Terminal) error { return t.Progress("\x1b[1Aworking\x1b[K") },
			want: "[1Aworking[K\n",
		},
		{
			name: "open url purpose stripped",
			do:   func(t *Terminal) error { return t.OpenURL("https://login/authorize", "sign\x1b[5m in\n") },
			want: "To sign[5m in, open this URL in a browser:\nhttps://login/authorize\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			term := &Terminal{Out: &b}
			if tt.term != nil {
				term = tt.term(&b)
			}
			if err := tt.do(term); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Fatalf("got %q, want %q", b.String(), tt.want)
			}
			if strings.Contains(b.String(), "{") {
				t.Fatalf("nothing JSON-like may reach the user's terminal")
			}
		})
	}
}

func TestBrowserCommands(t *testing.T) {
	tests := []struct {
		browser string
		want    [][]string
	}{
		{"firefox", [][]string{{"firefox", "https://u"}}},
		{"firefox:chromium --new-window", [][]string{{"firefox", "https://u"}, {"chromium", "--new-window", "https://u"}}},
		{"lynx %s -dump", [][]string{{"lynx", "https://u", "-dump"}}},
		{"::", nil},
	}
	for _, tt := range tests {
		got := browserCommands(tt.browser, "https://u")
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%q: got %q, want %q", tt.browser, got, tt.want)
		}
	}
}

// TestOpenURLOnlyHTTP: a provider may ask for a browser only on an http or https address; anything else is
// neither opened nor printed, and the request ends with an error.
func TestOpenURLOnlyHTTP(t *testing.T) {
	for _, u := range []string{
		"file:///etc/passwd", "javascript:alert(1)", "ms-settings:privacy", "vscode://x/y", "ftp://host/f",
		"//host/path", "https:///nohost", "not a url", "", "https://host/\u202egpj.exe", "HTTPS://login/\x1b[2J",
	} {
		var b bytes.Buffer
		opened := false
		term := &Terminal{Out: &b, OpenBrowser: func(string) error { opened = true; return nil }}
		if err := term.OpenURL(u, "sign in"); err == nil || strings.Contains(err.Error(), u) && u != "" {
			t.Errorf("OpenURL(%q) = %v, want an error that does not repeat the URL", u, err)
		}
		if opened || b.Len() != 0 {
			t.Errorf("OpenURL(%q) opened %v, printed %q", u, opened, b.String())
		}
	}
	for _, u := range []string{"http://localhost:8400/callback", "HTTPS://login.microsoftonline.com/common/oauth2/v2.0/authorize?x=1"} {
		var got string
		term := &Terminal{Out: &bytes.Buffer{}, OpenBrowser: func(s string) error { got = s; return nil }}
		if err := term.OpenURL(u, ""); err != nil || got != u {
			t.Errorf("OpenURL(%q) = %v, opened %q", u, err, got)
		}
	}
}

func TestClean(t *testing.T) {
	plain := "To sign in, open https://microsoft.com/devicelogin"
	if Clean(plain) != plain || CleanLine(plain) != plain {
		t.Error("plain text changed")
	}
	if got := Clean("caf\u00e9 \u2713 \xff\xfe ok"); got != "caf\u00e9 \u2713  ok" {
		t.Errorf("Clean kept invalid UTF-8 or dropped letters: %q", got)
	}
	if got := CleanLine("a\nb\tc"); got != "abc" {
		t.Errorf("CleanLine = %q", got)
	}
}
