//go:build unix

package convert

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives the new file the old one's owner, so that
// `sudo kubelogin convert-kubeconfig` does not hand a user's kubeconfig to
// root. Without the privilege the call fails and the new file is ours, as
// with any editor that saves by renaming.
func keepOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
