package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// fakeAzdThroughProxy stands in for the Azure Developer CLI, which neither
// Debian nor the Go module proxy ships as a binary: like azd it signs in
// over HTTPS to login.microsoftonline.com, here with curl through
// HTTPS_PROXY trusting SSL_CERT_FILE, so the test shows both reach the CLI
// the provider runs. Its service principal is in AZD_CONFIG_DIR.
const fakeAzdThroughProxy = `#!/bin/sh
scope=""
while [ $# -gt 0 ]; do
	case "$1" in --scope) scope=$2; shift ;; esac
	shift
done
. "$AZD_CONFIG_DIR/principal"
out=$(curl -sS --cacert "$SSL_CERT_FILE" --data-urlencode grant_type=client_credentials \
	--data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret" --data-urlencode "scope=$scope" \
	"https://login.microsoftonline.com/$tenant_id/oauth2/v2.0/token") || exit 1
token=$(printf '%s' "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "azd: sign-in failed: $out" >&2; exit 1; }
printf '{"token":"%s","expiresOn":"%s"}\n' "$token" "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
`

// TestDefaultPath runs every first-party login mode the way users run it:
// the kubeconfig exactly as `az aks get-credentials` and
// `kubelogin convert-kubeconfig -l MODE` write it (no --authority-host,
// instance discovery on), Entra ID at login.microsoftonline.com behind an
// HTTPS proxy with a private CA, managed identity at IMDS through the same
// proxy, and the real kubectl. (azurecli with the real Azure CLI is in
// TestRealAzureCLI.)
func TestDefaultPath(t *testing.T) {
	t.Parallel()
	type mode struct {
		name    string
		convert []string // convert-kubeconfig -l <convert[0]> <convert[1:]...>
		setup   func(t *testing.T, c *proxiedCluster) []string
		// identity is the user or object id the API server must see.
		identity func(c *proxiedCluster) string
		// viaIMDS: the token comes from managed identity, not login.microsoftonline.com.
		viaIMDS bool
	}
	var certClient, wiApp, pipelinesApp entraemu.Client
	var systemMI, userMI entraemu.ManagedIdentity
	modes := []mode{
		{name: "devicecode", convert: []string{"devicecode"},
			setup:    func(t *testing.T, c *proxiedCluster) []string { c.approveDeviceCodes(t); return nil },
			identity: func(*proxiedCluster) string { return entraemu.DefaultUserUPN }},
		{name: "interactive", convert: []string{"interactive"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				env, _ := withTestBrowser(t, nil)
				return env
			},
			identity: func(*proxiedCluster) string { return entraemu.DefaultUserUPN }},
		{name: "spn secret", convert: []string{"spn"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				return []string{"AAD_SERVICE_PRINCIPAL_CLIENT_ID=" + c.spn.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET=" + c.spn.Secret}
			},
			identity: func(c *proxiedCluster) string { return c.spn.ObjectID }},
		{name: "spn certificate", convert: []string{"spn"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				cert, key, err := testca.SelfSignedRSA("ci-deployer-cert")
				if err != nil {
					t.Fatal(err)
				}
				certClient = c.em.AddClient(entraemu.Client{ID: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", Name: "ci-deployer-cert", Certificate: cert})
				pemData, err := testca.CertAndKeyPEM(cert, key)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "spn.pem")
				if err := os.WriteFile(path, pemData, 0o600); err != nil {
					t.Fatal(err)
				}
				return []string{"AAD_SERVICE_PRINCIPAL_CLIENT_ID=" + certClient.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE=" + path}
			},
			identity: func(*proxiedCluster) string { return certClient.ObjectID }},
		{name: "ropc", convert: []string{"ropc"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				c.em.AddUser(entraemu.User{UPN: ropcUser, Password: ropcPassword})
				return []string{"AAD_USER_PRINCIPAL_NAME=" + ropcUser, "AAD_USER_PRINCIPAL_PASSWORD=" + ropcPassword}
			},
			identity: func(*proxiedCluster) string { return ropcUser }},
		{name: "msi system-assigned", convert: []string{"msi"}, viaIMDS: true,
			setup: func(t *testing.T, c *proxiedCluster) []string {
				systemMI = c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "3f1d2c4b-5a69-4e78-8d90-a1b2c3d4e5f6", SystemAssigned: true})
				// An Azure VM: no App Service endpoint, so azidentity goes to IMDS.
				return []string{"IDENTITY_ENDPOINT=", "IDENTITY_HEADER="}
			},
			identity: func(*proxiedCluster) string { return systemMI.ObjectID }},
		{name: "msi user-assigned", convert: []string{"msi", "--client-id", "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928"}, viaIMDS: true,
			setup: func(t *testing.T, c *proxiedCluster) []string {
				c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "3f1d2c4b-5a69-4e78-8d90-a1b2c3d4e5f6", SystemAssigned: true})
				userMI = c.em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
					ResourceID: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer"})
				return []string{"IDENTITY_ENDPOINT=", "IDENTITY_HEADER="}
			},
			identity: func(*proxiedCluster) string { return userMI.ObjectID }},
		{name: "workloadidentity", convert: []string{"workloadidentity"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				w := newWorkload(t, c.cluster)
				wiApp = w.app
				// What the workload identity webhook injects, including the authority host of the public cloud.
				return append(w.env(), "AZURE_AUTHORITY_HOST=https://login.microsoftonline.com/")
			},
			identity: func(*proxiedCluster) string { return wiApp.ObjectID }},
		{name: "azurepipelines", convert: []string{"azurepipelines"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				iss, err := entraemu.NewFederatedIssuer("https://vstoken.dev.azure.com/2c5e8f1a-7b3d-4e9c-a6f0-1d2b3c4e5f6a")
				if err != nil {
					t.Fatal(err)
				}
				pipelinesApp = c.em.AddClient(entraemu.Client{ID: "3e1f7c2a-9b4d-4c6e-8a5f-2d7b9c0e1f3a", Name: "aks-deploy-connection",
					FederatedCredentials: []entraemu.FederatedCredential{iss.Credential(pipelinesSubject)}})
				// The job's OIDC endpoint is on loopback here, which no proxy intercepts.
				uri, _ := startPipelineOIDC(t, c.cluster, iss)
				return []string{"AZURESUBSCRIPTION_CLIENT_ID=" + pipelinesApp.ID, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID=" + pipelinesConnectionID,
					"AZURESUBSCRIPTION_TENANT_ID=" + entraemu.DefaultTenantID, "SYSTEM_OIDCREQUESTURI=" + uri, "SYSTEM_ACCESSTOKEN=" + pipelinesAccessToken}
			},
			identity: func(*proxiedCluster) string { return pipelinesApp.ObjectID }},
		{name: "azd", convert: []string{"azd"},
			setup: func(t *testing.T, c *proxiedCluster) []string {
				azdDir, fakeBin := t.TempDir(), t.TempDir()
				if err := os.WriteFile(filepath.Join(fakeBin, "azd"), []byte(fakeAzdThroughProxy), 0o755); err != nil {
					t.Fatal(err)
				}
				principal := "client_id=" + c.spn.ID + "\nclient_secret=" + c.spn.Secret + "\ntenant_id=" + entraemu.DefaultTenantID + "\n"
				if err := os.WriteFile(filepath.Join(azdDir, "principal"), []byte(principal), 0o600); err != nil {
					t.Fatal(err)
				}
				return []string{"AZD_CONFIG_DIR=" + azdDir, "PATH=" + fakeBin + string(os.PathListSeparator) + binDir + string(os.PathListSeparator) + os.Getenv("PATH")}
			},
			identity: func(c *proxiedCluster) string { return c.spn.ObjectID }},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newProxiedCluster(t)
			extra := m.setup(t, c)
			kc := c.aksKubeconfig(t, m.convert[0], m.convert[1:]...)
			env := c.env(t, kc, extra...)
			r := run(t, env, kubectlPath(t), "get", "nodes")
			requireNodes(t, r)
			if got, want := lastAPIUser(c.cluster), m.identity(c); got != want {
				t.Fatalf("the API server authenticated %q, want %q", got, want)
			}
			if m.viaIMDS {
				// azidentity probes IMDS (a request without the Metadata header) before asking for the token.
				if c.proxy.IMDSRequests() == 0 {
					t.Fatal("no managed identity request came through the proxy")
				}
				return
			}
			// Instance discovery is on (the kubeconfig does not turn it off); MSAL answers it from its own list
			// for the clouds' known hosts, so only some modes call /common/discovery/instance here.
			c.requireTunnelled(t, entraemu.PublicCloudHost)
			// The second kubectl is served from kubelogin's cache: nothing more goes through the proxy.
			before := len(c.proxy.Requests())
			requireNodes(t, run(t, env, kubectlPath(t), "get", "nodes"))
			if after := c.proxy.Requests(); len(after) != before {
				t.Fatalf("the second kubectl went through the proxy again: %v", after[before:])
			}
		})
	}
}

// TestDefaultPathSovereignClouds: --environment alone picks the cloud's
// host (US Government, China) on the default path.
func TestDefaultPathSovereignClouds(t *testing.T) {
	t.Parallel()
	for env, host := range map[string]string{"AzureUSGovernmentCloud": entraemu.USGovCloudHost, "AzureChinaCloud": entraemu.ChinaCloudHost} {
		t.Run(env, func(t *testing.T) {
			c := newProxiedCluster(t)
			kc := c.aksKubeconfig(t, "spn")
			b, err := os.ReadFile(kc)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(kc, []byte(strings.Replace(string(b), "AzurePublicCloud", env, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			e := c.env(t, kc, "AAD_SERVICE_PRINCIPAL_CLIENT_ID="+c.spn.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET="+c.spn.Secret)
			requireNodes(t, run(t, e, kubectlPath(t), "get", "nodes"))
			c.requireTunnelled(t, host)
		})
	}
}
