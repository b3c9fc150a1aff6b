package tokenstore

import (
	"fmt"
	"strings"
)

// EnvMode chooses the token store when --token-store is not given.
const EnvMode = "KUBELOGIN_TOKEN_STORE"

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
	Source string // "--token-store", EnvMode or "default"
}

// Choose applies the precedence flag > KUBELOGIN_TOKEN_STORE > auto. flagValue is the flag's value when the
// user gave it, else "".
func Choose(flagValue string, getenv func(string) string) (Choice, error) {
	raw, source := flagValue, "--token-store"
	if raw == "" {
		raw, source = getenv(EnvMode), EnvMode
	}
	if raw == "" {
		return Choice{Mode: Auto, Source: "default"}, nil
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
	if c.Source == EnvMode {
		return EnvMode + "=" + string(c.Mode)
	}
	return c.Source + "=" + string(c.Mode)
}
