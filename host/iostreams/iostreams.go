// Package iostreams lets commands take their standard streams as values, so
// tests run them without a process.
package iostreams

import (
	"io"
	"os"
)

// IOStreams are a command's stdin, stdout and stderr. Only get-token's
// ExecCredential goes to Out; everything meant for people goes to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// System returns the process's own streams.
func System() IOStreams {
	return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}
