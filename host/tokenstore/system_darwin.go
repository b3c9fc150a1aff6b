package tokenstore

// System is the platform's key backend: the login Keychain.
func System() KeyBackend { return NewKeychain() }
