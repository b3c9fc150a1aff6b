//go:build !linux && !windows && !darwin

package tokenstore

import (
	"errors"
	"runtime"
)

// System is the platform's key backend: none is supported on this system, so auto stores plaintext files.
func System() KeyBackend { return unsupported{} }

type unsupported struct{}

func (unsupported) Name() string { return "no OS key store" }
func (unsupported) Probe() error {
	return errors.New("kubelogin supports no OS key store on " + runtime.GOOS)
}
func (u unsupported) Load(string) ([]byte, error)           { return nil, u.Probe() }
func (u unsupported) Create(string, []byte) ([]byte, error) { return nil, u.Probe() }
func (unsupported) Delete(string) (bool, error)             { return false, nil }
