//go:build !linux

package policy

import (
	"os"
	"os/exec"
)

// Command runs the verified binary by path. Without /proc the check and the
// exec are separate steps, so install approved providers where only
// administrators can write.
func Command(f *os.File, displayPath string) *exec.Cmd {
	f.Close()
	return exec.Command(displayPath)
}
