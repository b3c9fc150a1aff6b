package authority

import (
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

func TestURL(t *testing.T) {
	tests := []struct {
		host, tenant, want string
		code               sdk.ErrorCode
	}{
		{"https://login.microsoftonline.com/", "contoso", "https://login.microsoftonline.com/contoso", 0},
		{"https://127.0.0.1:8443", "t1", "https://127.0.0.1:8443/t1", 0},
		{"https://login.chinacloudapi.cn/", "00000000-0000-0000-0000-000000000001", "https://login.chinacloudapi.cn/00000000-0000-0000-0000-000000000001", 0},
		{"http://login.example/", "t", "", sdk.CodeInvalidRequest},
		{"", "t", "", sdk.CodeInvalidRequest},
		{"https://login.example/", "", "", sdk.CodeInvalidRequest},
		{"https://login.example/", "a/b", "", sdk.CodeInvalidRequest},
	}
	for _, tt := range tests {
		got, err := URL(tt.host, tt.tenant)
		if got != tt.want || sdk.CodeOf(err) != tt.code {
			t.Errorf("URL(%q, %q) = %q, %v; want %q, %v", tt.host, tt.tenant, got, err, tt.want, tt.code)
		}
	}
	if got := V1Token("https://h/t"); got != "https://h/t/oauth2/token" {
		t.Errorf("V1Token = %q", got)
	}
	if got := V1DeviceCode("https://h/t"); got != "https://h/t/oauth2/devicecode" {
		t.Errorf("V1DeviceCode = %q", got)
	}
}
