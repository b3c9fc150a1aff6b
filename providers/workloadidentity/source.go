package workloadidentity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// federatedToken is where the client assertion comes from.
type federatedToken interface {
	// read returns the current token; errors are classified.
	read(ctx context.Context) (string, error)
	// expired tells the user what to renew when Entra ID finds the token
	// outside its validity window.
	expired() string
	// String names the source in logs and errors.
	String() string
}

// tokenFile is a file another process keeps fresh: in a pod, the kubelet
// rotates the projected service account token well before it expires.
type tokenFile string

func (f tokenFile) read(context.Context) (string, error) {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "federated token file %s: cannot read it: %v (check --federated-token-file or AZURE_FEDERATED_TOKEN_FILE)", string(f), errors.Unwrap(err))
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", sdk.Errorf(sdk.CodeInvalidRequest, "federated token file %s is empty", string(f))
	}
	return tok, nil
}

func (f tokenFile) expired() string {
	return fmt.Sprintf("The federated token file %s holds an expired token: it must be refreshed by whatever writes it (in a pod, the kubelet rotates the projected service account token)", string(f))
}

func (f tokenFile) String() string { return "federated token file " + string(f) }
