package main

import (
	"encoding/base64"
	"fmt"

	"sigs.k8s.io/yaml"
)

// Names as `az aks get-credentials --resource-group kubelogin-testenv --name testenv` would write them.
const (
	clusterName = "testenv"
	userName    = "clusterUser_kubelogin-testenv_testenv"
)

// kubeconfigYAML renders the managed-Entra kubeconfig `az aks get-credentials` writes, exactly: kubelogin
// reaches the emulator on its default path, through the proxy (HTTPS_PROXY, SSL_CERT_FILE in the shell).
func kubeconfigYAML(s State, caPEM []byte) ([]byte, error) {
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": clusterName,
		"preferences":     map[string]any{},
		"clusters": []any{map[string]any{
			"name": clusterName,
			"cluster": map[string]any{
				"certificate-authority-data": base64.StdEncoding.EncodeToString(caPEM),
				"server":                     s.KubeAPIServer,
			},
		}},
		"contexts": []any{map[string]any{
			"name":    clusterName,
			"context": map[string]any{"cluster": clusterName, "user": userName},
		}},
		"users": []any{map[string]any{
			"name": userName,
			"user": map[string]any{"exec": map[string]any{
				"apiVersion": "client.authentication.k8s.io/v1beta1",
				"command":    "kubelogin",
				"args": []string{
					"get-token",
					"--environment", "AzurePublicCloud",
					"--server-id", s.ServerID,
					"--client-id", s.ClientID,
					"--tenant-id", s.TenantID,
					"--login", "devicecode",
				},
				"env":                nil,
				"installHint":        "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
				"interactiveMode":    "IfAvailable",
				"provideClusterInfo": false,
			}},
		}},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode kubeconfig: %w", err)
	}
	return out, nil
}
