//go:build windows

package provider

import "io/fs"

const exeSuffix = ".exe"

func isExecMode(fs.FileMode) bool { return true }
