package modes_test

import (
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/providers/azd"
	"github.com/kubelogin-dev/kubelogin/providers/azurecli"
	"github.com/kubelogin-dev/kubelogin/providers/azurepipelines"
	"github.com/kubelogin-dev/kubelogin/providers/devicecode"
	"github.com/kubelogin-dev/kubelogin/providers/interactive"
	"github.com/kubelogin-dev/kubelogin/providers/msi"
	"github.com/kubelogin-dev/kubelogin/providers/ropc"
	"github.com/kubelogin-dev/kubelogin/providers/spn"
	"github.com/kubelogin-dev/kubelogin/providers/workloadidentity"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// providers are the first-party providers, built in-process: this test
// binary links them, the host binary does not (TestHostLinksNoProvider).
var providers = map[string]sdk.Provider{
	modes.DeviceCode:       devicecode.New(),
	modes.Interactive:      interactive.New(),
	modes.SPN:              spn.New(),
	modes.ROPC:             ropc.New(),
	modes.MSI:              msi.New(),
	modes.AzureCLI:         azurecli.New(),
	modes.AzD:              azd.New(),
	modes.WorkloadIdentity: workloadidentity.New(),
	modes.AzurePipelines:   azurepipelines.New(),
}

// TestDescribeAgreesWithTable: the host decides from its table without
// starting a provider, so each row must be exactly what the provider says.
func TestDescribeAgreesWithTable(t *testing.T) {
	if got, want := len(modes.Names()), len(providers); got != want {
		t.Errorf("the table has %d modes, there are %d first-party providers", got, want)
	}
	for name, p := range providers {
		t.Run(name, func(t *testing.T) {
			row, ok := modes.Lookup(name)
			if !ok {
				t.Fatalf("no row for first-party mode %s: add one to host/modes", name)
			}
			info := p.Describe()
			if info.Name != name || len(info.Modes) != 1 {
				t.Fatalf("provider %s describes itself as %q with %d modes, want itself with one", name, info.Name, len(info.Modes))
			}
			if !reflect.DeepEqual(info.Modes[0], row.Spec) {
				t.Errorf("providers/%s declares\n%+v\nhost/modes has\n%+v", name, info.Modes[0], row.Spec)
			}
			if err := row.Spec.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLookupAndNames(t *testing.T) {
	want := []string{"devicecode", "interactive", "spn", "ropc", "msi", "azurecli", "azd", "workloadidentity", "azurepipelines"}
	if got := modes.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if _, ok := modes.Lookup("tokenfile"); ok {
		t.Error("Lookup found a third-party mode")
	}
	if m, ok := modes.Lookup(modes.SPN); !ok || m.Spec.LoginMode != modes.SPN {
		t.Errorf("Lookup(spn) = %v, %t", m.Spec.LoginMode, ok)
	}
	if len(modes.All()) != len(want) {
		t.Errorf("All() has %d rows", len(modes.All()))
	}
}

// TestConvertWritesWhatTheModeTakes: convert-kubeconfig must write only
// flags that mean something to the mode, and every such flag but the few it
// derives or leaves out on purpose.
func TestConvertWritesWhatTheModeTakes(t *testing.T) {
	// Written outside Convert (server-id, with pop-enabled) or never.
	notConverted := map[string][]string{
		"":                   {"server-id", "pop-claims"},
		modes.AzurePipelines: {"client-id"}, // the pipeline supplies it
	}
	for _, m := range modes.All() {
		mode := m.Spec.LoginMode
		var written []string
		for _, f := range m.Convert {
			if !m.Takes(f.Name) {
				t.Errorf("%s: convert writes --%s, which the mode does not take", mode, f.Name)
			}
			if f.Unless != "" && !m.Takes(f.Unless) {
				t.Errorf("%s: --%s is written unless --%s, which the mode does not take", mode, f.Name, f.Unless)
			}
			written = append(written, f.Name)
		}
		for _, f := range m.Flags() {
			if !slices.Contains(written, f) && !slices.Contains(notConverted[""], f) && !slices.Contains(notConverted[mode], f) {
				t.Errorf("%s: the mode takes --%s but convert does not write it", mode, f)
			}
		}
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		mode modes.Mode
		want []string
	}{
		{must(t, modes.SPN), []string{"server-id", "client-id", "tenant-id", "environment", "authority-host", "disable-instance-discovery",
			"client-secret", "use-azurerm-env-vars", "client-certificate", "client-certificate-password", "legacy", "pop-enabled", "pop-claims"}},
		{must(t, modes.AzureCLI), []string{"server-id", "tenant-id", "subscription"}},
		{must(t, modes.AzurePipelines), []string{"server-id", "client-id", "tenant-id", "authority-host", "disable-instance-discovery",
			"azure-pipelines-service-connection-id"}},
		// A third-party mode: its args travel as --provider-arg.
		{modes.Mode{Spec: sdk.ModeSpec{LoginMode: "tokenfile", Token: sdk.TokenOpaque, Args: []sdk.ProviderArg{{Name: "file"}}}},
			[]string{"provider-arg"}},
	}
	for _, tt := range tests {
		if got := tt.mode.Flags(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Flags() = %q, want %q", tt.mode.Spec.LoginMode, got, tt.want)
		}
	}
	ropcMode := must(t, modes.ROPC)
	for flag, want := range map[string]bool{"username": true, "timeout": true, "login": true, "legacy": false, "client-secret": false} {
		if ropcMode.Takes(flag) != want {
			t.Errorf("ropc Takes(%s) = %t", flag, !want)
		}
	}
	if got := modes.SettingFlags(sdk.SettingAuthorityHost); !slices.Equal(got, []string{"authority-host", "disable-instance-discovery"}) {
		t.Errorf("SettingFlags(authority host) = %q", got)
	}
	if got := modes.CredentialFlags(sdk.CredentialUsernamePassword); !slices.Equal(got, []string{"username", "password"}) {
		t.Errorf("CredentialFlags(username and password) = %q", got)
	}
}

// TestEverySettingHasAFlag: a setting a mode can declare must be settable.
func TestEverySettingHasAFlag(t *testing.T) {
	for _, s := range sdk.Settings() {
		if len(modes.SettingFlags(s)) == 0 {
			t.Errorf("no flag carries the %s", s)
		}
	}
	for _, k := range []sdk.CredentialKind{sdk.CredentialClientSecret, sdk.CredentialClientCertificate, sdk.CredentialUsernamePassword} {
		if len(modes.CredentialFlags(k)) == 0 {
			t.Errorf("no flag carries the %s", k)
		}
	}
}

// TestHostLinksNoProvider: importing the providers here must not make the
// host binary link them, nor azidentity or MSAL.
func TestHostLinksNoProvider(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/kubelogin-dev/kubelogin/cmd/kubelogin").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "azidentity") || strings.Contains(dep, "microsoft-authentication-library") ||
			strings.HasPrefix(dep, "github.com/kubelogin-dev/kubelogin/providers/") {
			t.Errorf("the host binary links %s", dep)
		}
	}
}

func must(t *testing.T, mode string) modes.Mode {
	t.Helper()
	m, ok := modes.Lookup(mode)
	if !ok {
		t.Fatalf("no row for %s", mode)
	}
	return m
}
