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
// # Declaring a login mode
//
// Describe returns one ModeSpec per login mode the provider serves. The spec
// is the contract: the host reads it (for first-party modes from its own
// table, which a test holds equal to the providers' Describe; for a
// third-party mode from the provider, remembered per binary so a cache hit
// starts nothing) and enforces it, so a provider gets the same treatment as
// a first-party one:
//
//   - Validation. Before it starts the provider, the host refuses a request
//     that lacks a required setting (SettingSpec.Required), a credential
//     when CredentialRequired, or a required provider arg, with the same
//     one-line error for every mode, naming the flag or variable to set. It
//     refuses --pop-enabled and --legacy for a mode whose Capabilities lack
//     PoP or Legacy. A provider still checks what it needs and answers
//     CodeInvalidRequest: the conformance kit sends it one request per
//     required thing with that one left out.
//   - What the provider receives. Only the settings and credential kinds the
//     spec lists; everything else arrives empty. A client secret,
//     certificate password or user password thus never reaches a mode that
//     did not declare its kind. Provider args arrive in Request.Extra under
//     their declared names; the host passes no undeclared ones.
//   - Token check. For TokenEntraID the host checks the token's audience
//     against the server id ("spn:" followed by it with --legacy) and
//     refuses any other. For TokenOpaque it looks into nothing: the token is
//     served until Token.ExpiresAt (less the host's margin), which the
//     provider must set.
//   - Cache key. The mode, the settings it accepts, its provider args
//     (secret ones by hash only) and the fingerprints of its
//     InvalidationFiles key the cache. The files are read on every call,
//     cache hits included, so a sign-in change takes effect at once. Their
//     paths are candidates: "${NAME}" is the environment variable NAME as
//     the provider receives it, "${arg:NAME}" a provider arg, a leading
//     "~/" the home directory; the first candidate that expands is used
//     (InvalidationFile.Resolve).
//   - State. A mode with Capabilities.Stateful gets back in Request.State
//     what it returned in Token.State; CodeInvalidGrant makes the host drop it.
//
// ModeSpec.Validate is the well-formedness rule the host and the kit share.
// Info.LoginModes and Info.Capabilities are what hosts that predate mode
// specs read; Serve fills them from Modes.
//
// # Serving, logging and debugging
//
// Serve runs the provider under the host; Logger writes hclog JSON lines to
// stderr, which the host shows with -v. WithDebug (or KUBELOGIN_PROVIDER_DEBUG=1
// in a provider started by hand) serves it for a debugger and prints the
// KUBELOGIN_PROVIDER_REATTACH value that makes kubelogin attach to it.
//
// The wire protocol is gRPC over hashicorp/go-plugin; proto/provider.proto is
// the normative description, so providers can be written in any language,
// and package protocol holds the handshake values both ends use.
// VERSIONING.md says what changes need a new protocol version. This module
// is the whole of what a provider needs: it imports neither the host nor any
// Azure or Kubernetes library. The calling side, which the host and the
// conformance kit share, is package client; a provider never needs it.
package sdk
