package options

import (
	"fmt"
	"strings"
)

// clouds maps the upstream environment names (case-insensitive) to their
// authority hosts.
var clouds = map[string]string{
	"AZURECLOUD":             "https://login.microsoftonline.com/",
	"AZUREPUBLIC":            "https://login.microsoftonline.com/",
	"AZUREPUBLICCLOUD":       "https://login.microsoftonline.com/",
	"AZUREUSGOVERNMENT":      "https://login.microsoftonline.us/",
	"AZUREUSGOVERNMENTCLOUD": "https://login.microsoftonline.us/",
	"AZURECHINACLOUD":        "https://login.chinacloudapi.cn/",
}

// ResolvedAuthorityHost is --authority-host when given, else the host of
// --environment. Unlike upstream, an unknown environment is an error rather
// than a silent fall-back to the public cloud.
func (o *Token) ResolvedAuthorityHost() (string, error) {
	if o.AuthorityHost != "" {
		return o.AuthorityHost, nil
	}
	if o.Environment == "" {
		return clouds["AZUREPUBLICCLOUD"], nil
	}
	if h, ok := clouds[strings.ToUpper(o.Environment)]; ok {
		return h, nil
	}
	return "", fmt.Errorf("unknown --environment %q: use AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud, or give --authority-host for other clouds", o.Environment)
}
