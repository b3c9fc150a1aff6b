package msi

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// identity is the managed identity a request asks for.
type identity struct {
	azID    azidentity.ManagedIDKind // nil for the system-assigned identity
	account string                   // shown by the host as who the token is for
	desc    string
}

func (i identity) String() string { return i.desc }

// selectIdentity follows upstream kubelogin: --client-id names a
// user-assigned identity, else --identity-resource-id does, else the
// resource's system-assigned identity is used.
func selectIdentity(req *sdk.Request) identity {
	switch {
	case req.ClientID != "":
		return identity{
			azID:    azidentity.ClientID(req.ClientID),
			account: req.ClientID,
			desc:    "managed identity with client ID " + req.ClientID,
		}
	case req.Credentials.IdentityResourceID != "":
		r := req.Credentials.IdentityResourceID
		return identity{azID: azidentity.ResourceID(r), account: r, desc: "managed identity " + r}
	}
	return identity{account: "system-assigned managed identity", desc: "the system-assigned managed identity"}
}
