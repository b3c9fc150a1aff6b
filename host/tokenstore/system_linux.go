package tokenstore

// System is the platform's key backend: the kernel keyring.
func System() KeyBackend { return NewKeyring() }
