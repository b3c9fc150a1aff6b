package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	"github.com/kubelogin-dev/kubelogin/host/options"
)

// cliProfiles are the files in which the Azure CLI and the Azure Developer
// CLI record who is signed in (and the default subscription). Their digest
// is part of those modes' cache key, so signing in, out or switching
// accounts takes effect on the next kubectl call instead of when the cached
// token expires.
var cliProfiles = map[string]struct {
	envDir, homeDir string
	files           []string
}{
	options.AzureCLI: {"AZURE_CONFIG_DIR", ".azure", []string{"azureProfile.json"}},
	options.AzD:      {"AZD_CONFIG_DIR", ".azd", []string{"auth.json", "config.json"}},
}

// cliProfileDigest fingerprints the sign-in files of mode's CLI; "" for
// other modes.
func cliProfileDigest(f *Factory, mode string) string {
	p, ok := cliProfiles[mode]
	if !ok {
		return ""
	}
	dir := f.env(p.envDir)
	if dir == "" {
		home, err := f.HomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, p.homeDir)
	}
	h := sha256.New()
	for _, name := range p.files {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		h.Write([]byte(name))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
