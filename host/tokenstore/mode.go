package tokenstore

import (
	"fmt"
	"strings"
)

// Mode is how tokens are kept at rest.
type Mode string

// The modes users choose from.
const (
	Auto      Mode = "auto"      // encrypted when the OS key store works, else plaintext 0600 files with a notice
	Encrypted Mode = "encrypted" // encrypted or an error: no fallback
	File      Mode = "file"      // plaintext 0600 files, chosen knowingly: no notice
	None      Mode = "none"      // store nothing
)

// Choice is the requested mode and where the request came from, for messages.
type Choice struct {
	Mode   Mode
	Source string // "--token-store", "KUBELOGIN_TOKEN_STORE" or "default"
}

// Choose reads the requested mode raw, as the settings resolver found it (options.ApplyEnv: the flag, else
// KUBELOGIN_TOKEN_STORE), with source naming where it came from; an empty raw is auto, the default.
func Choose(raw, source string) (Choice, error) {
	if raw == "" {
		return Choice{Mode: Auto, Source: "default"}, nil
	}
	if source == "" {
		source = "--token-store"
	}
	m := Mode(strings.ToLower(strings.TrimSpace(raw)))
	switch m {
	case Auto, Encrypted, File, None:
		return Choice{Mode: m, Source: source}, nil
	}
	return Choice{}, fmt.Errorf("%s %q is not a token store: use auto, encrypted, file or none", source, raw)
}

// String renders the choice as the user would write it.
func (c Choice) String() string {
	if c.Source == "default" {
		return string(c.Mode) + " (default)"
	}
	return c.Source + "=" + string(c.Mode)
}
