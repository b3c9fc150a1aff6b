package tokenstore

// System is the platform's key backend: DPAPI.
func System() KeyBackend { return NewDPAPI() }
