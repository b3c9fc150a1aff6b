package settingcheck

import (
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

func TestChecks(t *testing.T) {
	ok := func() *sdk.Request {
		return &sdk.Request{ClientID: "c", TenantID: "t", Scopes: []string{"s/.default"}, Resource: "s"}
	}
	tests := []struct {
		name string
		edit func(*sdk.Request)
		want string
	}{
		{"complete", func(*sdk.Request) {}, ""},
		{"no client", func(r *sdk.Request) { r.ClientID = "" }, "no client ID: set --client-id"},
		{"no tenant", func(r *sdk.Request) { r.TenantID = "" }, "no tenant ID: set --tenant-id"},
		{"no scope", func(r *sdk.Request) { r.Scopes = nil }, "no scope to request"},
		{"legacy without resource", func(r *sdk.Request) { r.Legacy, r.Resource = true, "" }, "no resource for a --legacy token"},
		{"legacy needs no scope", func(r *sdk.Request) { r.Legacy, r.Scopes = true, nil }, ""},
		{"pop without key", func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{} }, "req_cnf"},
	}
	for _, tt := range tests {
		r := ok()
		tt.edit(r)
		err := First(ClientAndTenant(r), Target(r), PoPKey(r))
		if tt.want == "" && err != nil || tt.want != "" && (sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
