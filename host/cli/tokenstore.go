package cli

import (
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
)

// openStore decides how tokens are kept in the cache directory dir, as the settings resolver found the
// choice (t.TokenStore from --token-store or KUBELOGIN_TOKEN_STORE), under the provider policy's
// requirement. A policy that exists but cannot be read counts as requiring encryption: a broken policy
// never loosens anything.
func openStore(f *Factory, dir string, t *options.Token, found options.Resolved) (*tokenstore.Store, error) {
	choice, err := tokenstore.Choose(t.TokenStore, found.TokenStoreSource)
	if err != nil {
		return nil, err
	}
	var req tokenstore.Requirement
	if f.Search != nil {
		switch s := f.Search(); {
		case s.PolicyErr != nil:
			req.By = "the provider policy (" + s.PolicyErr.Error() + ")"
		case s.Policy.RequiresEncryption():
			req.By = "the provider policy " + s.Policy.File
		}
	}
	return tokenstore.Open(dir, choice, req, f.keys())
}

// keys is the factory's key backend, the system's when none was set.
func (f *Factory) keys() tokenstore.KeyBackend {
	if f.Keys == nil {
		return tokenstore.System()
	}
	return f.Keys()
}
