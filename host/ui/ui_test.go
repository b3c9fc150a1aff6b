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
