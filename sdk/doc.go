// Package sdk is the contract between the kubelogin host and the providers
// that implement its login modes.
//
// A provider is a small program whose main function calls Serve with an
// implementation of Provider. The host starts it when it needs a token it
// does not have cached, sends it one fully resolved Request, renders the UI
// events the provider emits on the user's terminal, and stores the returned
// Token and its opaque State. Providers therefore never parse flags, never
// touch the terminal or stdout, and never write files: they only talk to the
// identity provider.
//
// The wire protocol is gRPC over hashicorp/go-plugin; proto/provider.proto is
// the normative description, so providers can be written in any language.
// This package imports neither the host nor any Azure or Kubernetes library.
package sdk
