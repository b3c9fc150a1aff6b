//go:build !windows

package policy

// AdminFile is where an administrator puts the policy.
const AdminFile = "/etc/kubelogin/policy.yaml"
