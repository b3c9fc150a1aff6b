package policy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Executing what was hashed. Hashing the approved file and then executing it, even through the same
// descriptor (/proc/self/fd/N), leaves a window: anyone who can write the file can rewrite the same inode
// between the hash and the exec. Of the two ways to close it, kubelogin copies the binary into a sealed
// memfd, hashes the copy and executes the copy:
//
//   - It works wherever the provider is installed: per-user installs (~/.local/bin, Homebrew on Linux,
//     go install) are writable by the user, and refusing those would make the policy unusable for the
//     people who write their own policy with KUBELOGIN_POLICY; the alternative check (owner and mode of
//     the file, ACLs, root's ability to write anything) is also harder to get right than a seal.
//   - The seals (no write, grow or shrink, and no further seal changes) are enforced by the kernel on the
//     copy itself, so no process, not even kubelogin, can change the bytes after they are hashed.
//   - Cost: one copy of the binary in memory for the provider's lifetime (it is mapped, not duplicated,
//     when executed) and a few milliseconds to copy; it is paid only on a cache miss under a policy.
//   - Side effect: the provider's /proc/self/exe (Go's os.Executable) names the memfd
//     ("/memfd:kubelogin-provider-<mode> (deleted)"), not its install path; argv[0] is still the install
//     path. The SDK and the first-party providers do not use os.Executable.
//
// Where the kernel refuses (no memfd_create, or vm.memfd_noexec=2 forbids executing memory files), the
// provider does not run: a policy that cannot be enforced fails closed with an error that says why.

// snapshot copies src into a sealed, read-only memfd and returns it rewound; Open hashes and Command
// executes this copy.
func snapshot(src *os.File, path string) (*os.File, error) {
	name := filepath.Base(path)
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) { // kernels before 6.3 know no MFD_EXEC; their memfds are executable
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot copy approved provider %s into sealed memory to run it (%w): the provider policy cannot be enforced on this system", path, err)
	}
	rw := os.NewFile(uintptr(fd), "memfd:"+name)
	defer rw.Close()
	if _, err := io.Copy(rw, src); err != nil {
		return nil, fmt.Errorf("copying approved provider %s: %w", path, err)
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(rw.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return nil, fmt.Errorf("sealing the copy of approved provider %s: %w", path, err)
	}
	// Exec refuses a file that is open for writing (ETXTBSY), so keep only a read-only descriptor.
	ro, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(rw.Fd())), os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reopening the copy of approved provider %s: %w", path, err)
	}
	return ro, nil
}

// Command runs the verified copy itself: the child execs /proc/self/fd/3, which is f, so the bytes that
// run are the bytes hashed. argv[0] is displayPath, where the provider is installed.
func Command(f *os.File, displayPath string) *exec.Cmd {
	return &exec.Cmd{Path: "/proc/self/fd/3", Args: []string{displayPath}, ExtraFiles: []*os.File{f}}
}
