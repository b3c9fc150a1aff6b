package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNoBrowser means nothing on this machine can open a browser: no $BROWSER, no display, not WSL.
var ErrNoBrowser = errors.New("no browser can be opened on this machine")

// Opener picks the command that opens a URL in the user's browser, where users are: $BROWSER first (the
// xdg-utils convention), then macOS `open`, Windows `rundll32`, WSL's `wslview` or the Windows shell, and on
// a Linux desktop `xdg-open`. The zero value reads the real environment.
type Opener struct {
	// GOOS defaults to runtime.GOOS.
	GOOS string
	// Getenv defaults to os.Getenv.
	Getenv func(string) string
	// LookPath defaults to exec.LookPath.
	LookPath func(string) (string, error)
	// ProcRoot is where WSL is detected; default /proc.
	ProcRoot string
	// Stderr receives the browser's output, both streams; default os.Stderr. Never stdout: kubectl reads the
	// plugin's stdout as the ExecCredential.
	Stderr io.Writer
}

// Open starts the browser command and returns without waiting for it; ErrNoBrowser when there is none.
func (o Opener) Open(url string) error {
	cmds, err := o.Commands(url)
	if err != nil {
		return err
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	return start(cmds, stderr)
}

// Commands lists the commands Open tries, in order, for url.
func (o Opener) Commands(url string) ([][]string, error) {
	o = o.withDefaults()
	if b := o.Getenv("BROWSER"); b != "" {
		return browserCommands(b, url), nil
	}
	switch o.GOOS {
	case "darwin":
		return [][]string{{"open", url}}, nil
	case "windows":
		return [][]string{{"rundll32", "url.dll,FileProtocolHandler", url}}, nil
	}
	// On WSL the Windows browser is the user's, whether or not an X server gives it a DISPLAY.
	if o.isWSL() {
		if _, err := o.LookPath("wslview"); err == nil {
			return [][]string{{"wslview", url}}, nil
		}
		if _, err := o.LookPath("powershell.exe"); err == nil {
			// Single quotes make PowerShell take the URL literally; a quote inside is doubled.
			return [][]string{{"powershell.exe", "-NoProfile", "-Command", "Start-Process '" + strings.ReplaceAll(url, "'", "''") + "'"}}, nil
		}
		return nil, fmt.Errorf("%w: WSL without wslview or powershell.exe on PATH", ErrNoBrowser)
	}
	if o.Getenv("DISPLAY") == "" && o.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("%w: neither DISPLAY nor WAYLAND_DISPLAY is set", ErrNoBrowser)
	}
	if _, err := o.LookPath("xdg-open"); err != nil {
		return nil, fmt.Errorf("%w: xdg-open is not installed", ErrNoBrowser)
	}
	return [][]string{{"xdg-open", url}}, nil
}

func (o Opener) withDefaults() Opener {
	if o.GOOS == "" {
		o.GOOS = runtime.GOOS
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	return o
}

// isWSL: Windows interop is registered, or the kernel is Microsoft's.
func (o Opener) isWSL() bool {
	if _, err := os.Stat(filepath.Join(o.ProcRoot, "sys", "fs", "binfmt_misc", "WSLInterop")); err == nil {
		return true
	}
	version, err := os.ReadFile(filepath.Join(o.ProcRoot, "version"))
	return err == nil && strings.Contains(strings.ToLower(string(version)), "microsoft")
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

// start runs the first command that starts, without waiting for it; its output goes to stderr.
func start(cmds [][]string, stderr io.Writer) error {
	err := fmt.Errorf("%w: $BROWSER names no command", ErrNoBrowser)
	for _, c := range cmds {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err = cmd.Start(); err == nil {
			go func() { _ = cmd.Wait() }()
			return nil
		}
	}
	return err
}
