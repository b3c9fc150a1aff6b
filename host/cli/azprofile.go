package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// azureProfileDigest fingerprints the Azure CLI's profile (signed-in
// accounts and default subscription). It is part of the azurecli cache key,
// so `az login`, `az logout` and `az account set` take effect on the next
// kubectl call instead of when the cached token expires.
func azureProfileDigest(f *Factory) string {
	dir := f.env("AZURE_CONFIG_DIR")
	if dir == "" {
		home, err := f.HomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".azure")
	}
	b, err := os.ReadFile(filepath.Join(dir, "azureProfile.json"))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
