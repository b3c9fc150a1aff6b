package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testURL = "https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&state=it's"

// fakeProc builds a /proc with the given files (path relative to /proc -> content).
func fakeProc(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// fakeBin makes a PATH directory holding the named commands. Each writes its arguments, one a line, to
// <dir>/<name>.args, prints to stdout and stderr (which must both end up on the opener's stderr), then
// writes <dir>/<name>.done.
func fakeBin(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		script := fmt.Sprintf("#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n' \"$a\"; done > '%s'\necho %s-stdout\necho %s-stderr >&2\n: > '%s'\n",
			filepath.Join(dir, n+".args"), n, n, filepath.Join(dir, n+".done"))
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOpener runs each branch with fake commands on a temp PATH and a fake /proc, and checks which command
// ran with which arguments and that its output went to stderr.
func TestOpener(t *testing.T) {
	wslInterop := map[string]string{"sys/fs/binfmt_misc/WSLInterop": "enabled\n", "version": "Linux version 5.15.167.4-microsoft-standard-WSL2"}
	wslKernel := map[string]string{"version": "Linux version 5.15.153.1-Microsoft-standard-WSL2 (root@941d701f84f1)"}
	native := map[string]string{"version": "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)"}
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		proc    map[string]string
		bin     []string // fake commands on PATH
		want    []string // command and arguments that ran
		wantErr string
	}{
		{name: "$BROWSER", goos: "linux", env: map[string]string{"BROWSER": "mybrowser --new-tab", "DISPLAY": ":0"}, proc: native,
			bin: []string{"mybrowser", "xdg-open"}, want: []string{"mybrowser", "--new-tab", testURL}},
		{name: "$BROWSER beats WSL", goos: "linux", env: map[string]string{"BROWSER": "mybrowser"}, proc: wslInterop,
			bin: []string{"mybrowser", "wslview"}, want: []string{"mybrowser", testURL}},
		{name: "Linux desktop (X11)", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, proc: native,
			bin: []string{"xdg-open"}, want: []string{"xdg-open", testURL}},
		{name: "Linux desktop (Wayland)", goos: "linux", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, proc: native,
			bin: []string{"xdg-open"}, want: []string{"xdg-open", testURL}},
		{name: "WSL with wslview, no DISPLAY", goos: "linux", proc: wslInterop,
			bin: []string{"wslview", "powershell.exe"}, want: []string{"wslview", testURL}},
		{name: "WSL with wslview, DISPLAY set (WSLg)", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, proc: wslInterop,
			bin: []string{"wslview", "xdg-open"}, want: []string{"wslview", testURL}},
		{name: "WSL without wslview", goos: "linux", proc: wslInterop,
			bin: []string{"powershell.exe", "xdg-open"}, want: []string{"powershell.exe", "-NoProfile", "-Command", "Start-Process '" + strings.ReplaceAll(testURL, "'", "''") + "'"}},
		{name: "WSL from /proc/version only", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, proc: wslKernel,
			bin: []string{"powershell.exe", "xdg-open"}, want: []string{"powershell.exe", "-NoProfile", "-Command", "Start-Process '" + strings.ReplaceAll(testURL, "'", "''") + "'"}},
		{name: "WSL with neither", goos: "linux", proc: wslInterop, bin: []string{"xdg-open"}, wantErr: "WSL without wslview or powershell.exe"},
		{name: "macOS", goos: "darwin", proc: native, bin: []string{"open"}, want: []string{"open", testURL}},
		{name: "Windows", goos: "windows", bin: []string{"rundll32"}, want: []string{"rundll32", "url.dll,FileProtocolHandler", testURL}},
		{name: "no display", goos: "linux", proc: native, bin: []string{"xdg-open"}, wantErr: "neither DISPLAY nor WAYLAND_DISPLAY is set"},
		{name: "display without xdg-open", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, proc: native, wantErr: "xdg-open is not installed"},
		{name: "$BROWSER that does not exist", goos: "linux", env: map[string]string{"BROWSER": "nosuchbrowser"}, proc: native, wantErr: "nosuchbrowser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := fakeBin(t, tt.bin...)
			env := map[string]string{"PATH": bin}
			for k, v := range tt.env {
				env[k] = v
			}
			t.Setenv("PATH", bin) // exec.Command resolves the command on the real PATH
			stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
			if err != nil {
				t.Fatal(err)
			}
			defer stderr.Close()
			o := Opener{GOOS: tt.goos, Getenv: func(k string) string { return env[k] }, ProcRoot: fakeProc(t, tt.proc), Stderr: stderr}
			err = o.Open(testURL)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if tt.name != "$BROWSER that does not exist" && !errors.Is(err, ErrNoBrowser) {
					t.Fatalf("error %v is not ErrNoBrowser", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			name := tt.want[0]
			waitForFile(t, filepath.Join(bin, name+".done"))
			args, err := os.ReadFile(filepath.Join(bin, name+".args"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(string(args), "\n"), "\n"); fmt.Sprint(got) != fmt.Sprint(tt.want[1:]) {
				t.Fatalf("%s ran with %q, want %q", name, got, tt.want[1:])
			}
			out, err := os.ReadFile(stderr.Name())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(out, []byte(name+"-stdout")) || !bytes.Contains(out, []byte(name+"-stderr")) {
				t.Fatalf("the browser's output did not go to stderr: %q", out)
			}
		})
	}
}

// TestOpenURLWithoutBrowser: with nothing to open a browser with, the user gets the URL, the reason, and
// the mode that needs no browser.
func TestOpenURLWithoutBrowser(t *testing.T) {
	var b bytes.Buffer
	o := Opener{GOOS: "linux", Getenv: func(string) string { return "" }, ProcRoot: fakeProc(t, nil)}
	term := &Terminal{Out: &b, OpenBrowser: o.Open}
	if err := term.OpenURL(testURL, ""); err != nil {
		t.Fatal(err)
	}
	want := "no browser can be opened on this machine: neither DISPLAY nor WAYLAND_DISPLAY is set.\n" +
		"To sign in, open this URL in a browser on this machine (kubelogin waits until --timeout), or use `-l devicecode`, which needs no browser on this machine:\n" +
		testURL + "\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear: the command did not run", filepath.Base(path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
