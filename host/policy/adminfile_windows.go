//go:build windows

package policy

import (
	"os"
	"path/filepath"
)

// AdminFile is where an administrator puts the policy.
var AdminFile = filepath.Join(os.Getenv("ProgramData"), "kubelogin", "policy.yaml")
