// Package execcred speaks client-go's exec credential protocol: it reads
// what kubectl says in KUBERNETES_EXEC_INFO and writes the one
// ExecCredential kubectl expects on stdout.
package execcred

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The exec API versions kubectl accepts from a plugin.
const (
	V1      = "client.authentication.k8s.io/v1"
	V1beta1 = "client.authentication.k8s.io/v1beta1"
)

// Info is what kubectl told the plugin about this call.
type Info struct {
	APIVersion string
	// Interactive means kubectl gave us its stdin. It does not mean no
	// human is present: device code and browser flows work either way.
	Interactive bool
}

// Parse reads KUBERNETES_EXEC_INFO; an empty value means an old kubectl or
// a manual call, answered in v1beta1.
func Parse(env string) (Info, error) {
	if env == "" {
		return Info{APIVersion: V1beta1}, nil
	}
	var in struct {
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			Interactive bool `json:"interactive"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(env), &in); err != nil {
		return Info{}, fmt.Errorf("KUBERNETES_EXEC_INFO is not an ExecCredential (%v): unset it or let kubectl set it", err)
	}
	switch in.APIVersion {
	case "":
		in.APIVersion = V1beta1
	case V1, V1beta1:
	default:
		return Info{}, fmt.Errorf("KUBERNETES_EXEC_INFO asks for exec API %q; kubelogin speaks %s and %s: set apiVersion in the kubeconfig's exec block to one of them", in.APIVersion, V1, V1beta1)
	}
	return Info{APIVersion: in.APIVersion, Interactive: in.Spec.Interactive}, nil
}

type credential struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Spec       struct {
		Interactive bool `json:"interactive"`
	} `json:"spec"`
	Status struct {
		ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
		Token               string `json:"token"`
	} `json:"status"`
}

// Write prints exactly one ExecCredential line for token, valid until expires.
func Write(w io.Writer, info Info, token string, expires time.Time) error {
	var c credential
	c.Kind = "ExecCredential"
	c.APIVersion = info.APIVersion
	c.Spec.Interactive = info.Interactive
	c.Status.Token = token
	if !expires.IsZero() {
		c.Status.ExpirationTimestamp = expires.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding ExecCredential: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing ExecCredential: %w", err)
	}
	return nil
}
