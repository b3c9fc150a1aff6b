package cache

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveDir(t *testing.T) {
	home := filepath.FromSlash("/home/alice")
	env := map[string]string{
		"KUBECACHEDIR": "/var/cache/kube",
		"XDG":          "/xdg",
		"REL":          "relative",
	}
	tests := []struct {
		name    string
		flag    string
		env     map[string]string // nil: the shared env without KUBECACHEDIR
		home    string
		want    string
		wantErr string
	}{
		{name: "flag wins over env", flag: "/flag/dir", env: env, home: home, want: "/flag/dir"},
		{name: "env when no flag", env: env, home: home, want: "/var/cache/kube"},
		{name: "default under home", home: home, want: "/home/alice/.kube/cache/kubelogin"},
		{name: "tilde alone", flag: "~", home: home, want: "/home/alice"},
		{name: "tilde slash", flag: "~/.kube/cache/kubelogin", home: home, want: "/home/alice/.kube/cache/kubelogin"},
		{name: "tilde in env", env: map[string]string{"KUBECACHEDIR": "~/c"}, home: home, want: "/home/alice/c"},
		{name: "dollar var", flag: "$XDG/kubelogin", home: home, want: "/xdg/kubelogin"},
		{name: "braced var", flag: "${XDG}/kubelogin", home: home, want: "/xdg/kubelogin"},
		{name: "var in env value", env: map[string]string{"KUBECACHEDIR": "$XDG/k", "XDG": "/xdg"}, home: home, want: "/xdg/k"},
		{name: "tilde not expanded mid-path", flag: "/a/~/b", home: home, want: "/a/~/b"},
		{name: "cleaned", flag: "/a//b/../c/", home: home, want: "/a/c"},
		{name: "flag works without home", flag: "/abs", want: "/abs"},
		{name: "env works without home", env: map[string]string{"KUBECACHEDIR": "/abs"}, want: "/abs"},

		{name: "unset var is an error", flag: "$NOPE/kubelogin", home: home, wantErr: "$NOPE, which is not set"},
		{name: "relative flag rejected", flag: "cache", home: home, wantErr: "relative"},
		{name: "relative via var rejected", flag: "$REL/x", home: home, wantErr: "relative"},
		{name: "tilde user rejected", flag: "~bob/cache", home: home, wantErr: "~user"},
		{name: "tilde without home", flag: "~/cache", wantErr: "home directory is unknown"},
		{name: "default without home", wantErr: "home directory is unknown"},
		{name: "relative home rejected", home: "rel", wantErr: "relative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.env
			if e == nil {
				e = map[string]string{"XDG": "/xdg", "REL": "relative"}
			}
			// The settings resolver passes KUBECACHEDIR when no flag is given.
			raw, source := tt.flag, "--cache-dir"
			if raw == "" {
				raw, source = e["KUBECACHEDIR"], "KUBECACHEDIR"
			}
			got, err := ResolveDir(filepath.FromSlash(raw), source, func(k string) string { return e[k] }, tt.home)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveDir() = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != filepath.FromSlash(tt.want) {
				t.Fatalf("ResolveDir() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
