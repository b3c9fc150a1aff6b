package tokenstore

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeSecurity answers security(1) the way macOS does for the commands Keychain uses: items by service
// and account, exit 44 for a missing item, exit 45 when adding an existing item without -U.
type fakeSecurity struct {
	items map[string]string
	argv  []string // every command line, to check the key never appears on one
}

func (f *fakeSecurity) run(_ context.Context, stdin string, args ...string) ([]byte, int, error) {
	f.argv = append(f.argv, strings.Join(args, " "))
	if len(args) == 1 && args[0] == "-i" {
		args = strings.Fields(stdin)
	}
	opt := map[string]string{}
	flags := map[string]bool{}
	for i := 1; i < len(args); i++ {
		switch a := args[i]; a {
		case "-U":
			flags[a] = true
		case "-w":
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				opt[a] = args[i+1]
				i++
			} else {
				flags[a] = true
			}
		default:
			if i+1 < len(args) {
				opt[a] = args[i+1]
				i++
			}
		}
	}
	id := opt["-s"] + "/" + opt["-a"]
	v, ok := f.items[id]
	switch args[0] {
	case "find-generic-password":
		if !ok {
			return nil, errSecItemNotFound, nil
		}
		if flags["-w"] {
			return []byte(v + "\n"), 0, nil
		}
		return []byte("attributes...\n"), 0, nil
	case "add-generic-password":
		if ok && !flags["-U"] {
			return nil, 45, nil
		}
		f.items[id] = opt["-w"]
		return nil, 0, nil
	case "delete-generic-password":
		if !ok {
			return nil, errSecItemNotFound, nil
		}
		delete(f.items, id)
		return nil, 0, nil
	}
	return nil, 1, errors.New("unexpected command " + args[0])
}

func TestKeychain(t *testing.T) {
	fake := &fakeSecurity{items: map[string]string{}}
	k := &Keychain{run: fake.run}
	if _, err := k.Load("/c"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Load before Create: %v", err)
	}
	key := bytes.Repeat([]byte{0x5A}, keySize)
	if got, err := k.Create("/c", key); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Create = %x, %v", got, err)
	}
	if got, err := k.Create("/c", bytes.Repeat([]byte{1}, keySize)); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("second Create = %x, %v; want the first key kept", got, err)
	}
	for _, line := range fake.argv {
		if strings.Contains(line, "5a5a5a") {
			t.Fatalf("the key was passed on a command line: %q", line)
		}
	}
	// An item that holds no usable key is replaced.
	fake.items[keychainService+"/"+keyName("/d")] = "garbage"
	if got, err := k.Create("/d", key); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Create over garbage = %x, %v", got, err)
	}
	if removed, err := k.Delete("/c"); !removed || err != nil {
		t.Fatalf("Delete = %t, %v", removed, err)
	}
	if removed, err := k.Delete("/c"); removed || err != nil {
		t.Fatalf("second Delete = %t, %v", removed, err)
	}
}

func TestKeychainLocked(t *testing.T) {
	k := &Keychain{run: func(context.Context, string, ...string) ([]byte, int, error) { return nil, 36, nil }}
	if _, err := k.Load("/c"); err == nil || errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("Load from a locked Keychain: %v", err)
	}
	if _, err := k.Create("/c", make([]byte, keySize)); err == nil {
		t.Fatal("Create in a locked Keychain succeeded")
	}
}
