//go:build !windows

package provider

import "io/fs"

const exeSuffix = ""

func isExecMode(m fs.FileMode) bool { return m&0o111 != 0 }
