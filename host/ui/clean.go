package ui

import (
	"strings"
	"unicode"
)

// Clean removes what could take over the terminal from text a provider or Entra ID supplied: C0 and C1
// control characters (ESC starts colour, cursor, title and hyperlink sequences; CR overwrites the line;
// 0x9B is a one-byte CSI), DEL, bidirectional overrides (text that reads differently than it is) and
// invalid UTF-8. Newlines and tabs are kept: messages have several lines and indentation.
func Clean(s string) string { return clean(s, true) }

// CleanLine is Clean for one-line values (a URL, a user code): newlines and tabs go too.
func CleanLine(s string) string { return clean(s, false) }

func clean(s string, multiline bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "") {
		if keep(r, multiline) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports printable ASCII, the common case, without allocating.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func keep(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return multiline
	case unicode.IsControl(r): // C0, DEL, C1
		return false
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return false
	}
	return true
}
