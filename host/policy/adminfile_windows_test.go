//go:build windows

package policy

import (
	"path/filepath"
	"testing"
)

// TestProgramDataIgnoresEnvironment: the user controls %ProgramData%; the admin policy's place must not move
// with it (compiled on every platform by GOOS=windows go vet; runs on Windows).
func TestProgramDataIgnoresEnvironment(t *testing.T) {
	want := programData()
	t.Setenv("ProgramData", `relative\dir`)
	if got := programData(); got != want || !filepath.IsAbs(got) {
		t.Fatalf("programData() = %q with ProgramData set, want %q, absolute", got, want)
	}
}
