package cache

import (
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestOpenRestrictsDirectory: Open gives the cache directory a protected DACL for the current user only.
func TestOpenRestrictsDirectory(t *testing.T) {
	dir := t.TempDir()
	if c := Open(dir, func(msg string) { t.Error(msg) }); !c.Enabled() {
		t.Fatal("cache disabled")
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sd.String(), "D:P(A;OICI;FA;;;"+u.User.Sid.String()+")"; !strings.EqualFold(got, want) {
		t.Errorf("DACL %s, want %s", got, want)
	}
}
