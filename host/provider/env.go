package provider

import "slices"

// childEnv is the provider's whole environment: env, which the caller built
// by the host's environment rule (kubelogin's environment minus its
// settings variables, see options.ProviderEnv), then the variables the host
// sets for this launch, last so that they win. go-plugin adds its own
// after these and, with SkipHostEnv, nothing else: without it the host's
// whole environment would be appended and would override what we pass.
func childEnv(env []string, host ...string) []string {
	return append(slices.Clone(env), host...)
}
