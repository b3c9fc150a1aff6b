//go:build windows

package policy

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// AdminFile is where an administrator puts the policy: kubelogin\policy.yaml under the ProgramData known
// folder. The folder comes from the shell's known-folder API, not from %ProgramData%, which the user
// controls (and which, unset, would make this a relative path).
var AdminFile = filepath.Join(programData(), "kubelogin", "policy.yaml")

// programData is the machine's ProgramData folder; if the API fails, Windows' fixed default, never an
// environment variable.
func programData() string {
	if p, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0); err == nil && filepath.IsAbs(p) {
		return p
	}
	return `C:\ProgramData`
}
