package cache

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// restrictDir gives the cache directory a protected DACL that grants the current user, and nobody else,
// full control, inherited by the files inside: entries, lock files and the wrapped data key. A
// directory that already has exactly that DACL is left alone, so the common case is one read.
func restrictDir(dir string) error {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return fmt.Errorf("finding the current user: %w", err)
	}
	want := fmt.Sprintf("D:P(A;OICI;FA;;;%s)", u.User.Sid.String())
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err == nil && sd.String() == want {
		return nil
	}
	wantSD, err := windows.SecurityDescriptorFromString(want)
	if err != nil {
		return err
	}
	dacl, _, err := wantSD.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
