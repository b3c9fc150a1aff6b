package provider

import (
	"os"
	"runtime"
	"strings"
)

// passEnv is what a provider may see of the host's environment. Providers
// get their settings in the request; these are only what a flow or the
// network stack genuinely needs. go-plugin would otherwise let the host's
// whole environment override what we pass.
var passEnv = []string{
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
	"XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	// The Azure CLI is Python: its requests library trusts REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE), not
	// SSL_CERT_FILE; without them az cannot sign in behind a proxy with a private CA.
	"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AZURE_CORE_COLLECT_TELEMETRY", "AZURE_CORE_SURVEY_MESSAGE",
	"DISPLAY", "WAYLAND_DISPLAY", "BROWSER",
	// azurecli / azd run the CLIs, which read their own configuration.
	"AZURE_CONFIG_DIR", "AZD_CONFIG_DIR",
	// Managed identity endpoints (App Service, Arc, Cloud Shell, IMDS overrides).
	"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET",
	// Federated credentials issued by CI systems.
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "SYSTEM_ACCESSTOKEN", "SYSTEM_OIDCREQUESTURI",
	// Windows essentials.
	"SystemRoot", "SYSTEMROOT", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "ComSpec", "PATHEXT", "windir",
	// Coverage of instrumented test builds.
	"GOCOVERDIR",
}

func providerEnv(extra ...string) []string {
	var env []string
	for _, k := range passEnv {
		if runtime.GOOS != "windows" && strings.ToUpper(k) != k && strings.ToLower(k) != k {
			continue
		}
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}
