package tokenstore

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// dpapiEntropy is mixed into every wrap, so another program's DPAPI blobs are not ours.
var dpapiEntropy = []byte("kubelogin token cache key")

// NewDPAPI returns the Windows backend: the data key wrapped with DPAPI for the current user (no prompt),
// in a file in the cache directory.
func NewDPAPI() *Wrapped {
	return &Wrapped{name: "Windows DPAPI (current user)", protect: dpapiProtect, unprotect: dpapiUnprotect}
}

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

// takeBlob copies a DPAPI output blob into Go memory and frees it.
func takeBlob(out *windows.DataBlob) []byte {
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	b := make([]byte, out.Size)
	copy(b, unsafe.Slice(out.Data, out.Size))
	return b
}

func dpapiProtect(plain []byte) ([]byte, error) {
	var out windows.DataBlob
	if err := windows.CryptProtectData(blob(plain), nil, blob(dpapiEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, err
	}
	return takeBlob(&out), nil
}

func dpapiUnprotect(wrapped []byte) ([]byte, error) {
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(blob(wrapped), nil, blob(dpapiEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, err
	}
	return takeBlob(&out), nil
}
