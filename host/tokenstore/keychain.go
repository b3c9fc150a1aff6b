package tokenstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// keychainService is the Keychain item's service; the account is the directory's key name.
const keychainService = "kubelogin-token-cache"

// keychainTimeout bounds one security(1) call: a locked Keychain may wait for a password dialog nobody
// answers (an SSH session).
const keychainTimeout = 10 * time.Second

// errSecItemNotFound is security(1)'s exit status for a missing item.
const errSecItemNotFound = 44

// Keychain keeps data keys in the macOS login Keychain through the security(1) command, since builds have
// cgo (and so Security.framework) off. One process per cache hit.
type Keychain struct {
	// run runs security(1) with args and stdin; tests substitute a fake.
	run func(ctx context.Context, stdin string, args ...string) (stdout []byte, exit int, err error)
}

// NewKeychain returns the macOS Keychain backend.
func NewKeychain() *Keychain { return &Keychain{run: runSecurity} }

func runSecurity(ctx context.Context, stdin string, args ...string) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, "/usr/bin/security", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return out.Bytes(), ee.ExitCode(), nil
	}
	return out.Bytes(), 0, err
}

// Name implements KeyBackend.
func (*Keychain) Name() string { return "the macOS login Keychain" }

// Probe implements KeyBackend. It starts no process: a Keychain that cannot be used (locked, no GUI
// session) shows at the first Load or Create.
func (k *Keychain) Probe() error { return nil }

func (k *Keychain) call(stdin string, args ...string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), keychainTimeout)
	defer cancel()
	out, exit, err := k.run(ctx, stdin, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("running security: %w", err)
	}
	return out, exit, nil
}

// Load implements KeyBackend.
func (k *Keychain) Load(dir string) ([]byte, error) {
	out, exit, err := k.call("", "find-generic-password", "-s", keychainService, "-a", keyName(dir), "-w")
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the token cache key from %s: %w", k.Name(), err)
	case exit == errSecItemNotFound:
		return nil, fmt.Errorf("%w in %s", ErrNoKey, k.Name())
	case exit != 0:
		return nil, fmt.Errorf("reading the token cache key from %s: security exited with status %d (is the Keychain locked?)", k.Name(), exit)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(out)))
	clear(out)
	if err != nil || len(key) != keySize {
		return nil, fmt.Errorf("%w: the item in %s is not a kubelogin key", ErrNoKey, k.Name())
	}
	return key, nil
}

// Create implements KeyBackend. The key travels on security's standard input (its -i mode), never on a
// command line other processes can read. Without -U an existing item is kept, so concurrent first
// writers converge on whichever item was added first; an unusable item is replaced.
func (k *Keychain) Create(dir string, key []byte) ([]byte, error) {
	if existing, err := k.Load(dir); err == nil {
		return existing, nil
	} else if !errors.Is(err, ErrNoKey) {
		return nil, err
	}
	update := ""
	if _, exit, err := k.call("", "find-generic-password", "-s", keychainService, "-a", keyName(dir)); err == nil && exit == 0 {
		update = "-U " // an item exists but holds no usable key
	}
	cmd := fmt.Sprintf("add-generic-password %s-s %s -a %s -w %s\n", update, keychainService, keyName(dir), hex.EncodeToString(key))
	if _, _, err := k.call(cmd, "-i"); err != nil {
		return nil, fmt.Errorf("storing the token cache key in %s: %w", k.Name(), err)
	}
	stored, err := k.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("storing the token cache key in %s: %w", k.Name(), err)
	}
	return stored, nil
}

// Delete implements KeyBackend.
func (k *Keychain) Delete(dir string) (bool, error) {
	_, exit, err := k.call("", "delete-generic-password", "-s", keychainService, "-a", keyName(dir))
	switch {
	case err != nil:
		return false, fmt.Errorf("removing the token cache key from %s: %w", k.Name(), err)
	case exit == errSecItemNotFound:
		return false, nil
	case exit != 0:
		return false, fmt.Errorf("removing the token cache key from %s: security exited with status %d", k.Name(), exit)
	}
	return true, nil
}
