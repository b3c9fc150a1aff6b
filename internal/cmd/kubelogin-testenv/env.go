package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/kubeapi"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
)

// Fixed identities, so scripts and tests can rely on them without reading the state file.
const (
	servicePrincipalID     = "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f"
	certificatePrincipalID = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
	workloadIdentityID     = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
	systemIdentityID       = "1a2b3c4d-0000-4000-8000-000000000001"
	userIdentityID         = "1a2b3c4d-0000-4000-8000-000000000002"
	federatedIssuerURL     = "https://oidc.kubelogin-testenv.invalid/"
	federatedSubject       = "system:serviceaccount:default:kubelogin"
)

// State is what state.json holds: everything a test needs to drive kubelogin against the environment.
type State struct {
	PID int `json:"pid"`
	// ProxyURL is the intercepting proxy for HTTPS_PROXY and HTTP_PROXY: through it the emulator answers as
	// login.microsoftonline.com (and the US Gov and China clouds), management.azure.com and IMDS.
	ProxyURL             string               `json:"proxy_url"`
	AuthorityHost        string               `json:"authority_host"`
	ControlURL           string               `json:"control_url"`
	KubeAPIServer        string               `json:"kube_api_server"`
	KubeAPIRequestsURL   string               `json:"kube_api_requests_url"`
	CAFile               string               `json:"ca_file"`
	Kubeconfig           string               `json:"kubeconfig"`
	TenantID             string               `json:"tenant_id"`
	TenantDomain         string               `json:"tenant_domain"`
	ServerID             string               `json:"server_id"`
	ClientID             string               `json:"client_id"`
	User                 UserState            `json:"user"`
	ServicePrincipal     ServicePrincipal     `json:"service_principal"`
	CertificatePrincipal CertificatePrincipal `json:"certificate_principal"`
	WorkloadIdentity     WorkloadIdentity     `json:"workload_identity"`
	ManagedIdentity      ManagedIdentity      `json:"managed_identity"`
}

// UserState is the test user (the one device codes are approved as).
type UserState struct {
	UPN      string `json:"upn"`
	Password string `json:"password"`
	ObjectID string `json:"object_id"`
}

// ServicePrincipal authenticates with a client secret.
type ServicePrincipal struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	ObjectID     string `json:"object_id"`
}

// CertificatePrincipal authenticates with a certificate, offered as PEM (cert + PKCS#8 key) and PFX.
type CertificatePrincipal struct {
	ClientID    string `json:"client_id"`
	PEMFile     string `json:"pem_file"`
	PFXFile     string `json:"pfx_file"`
	PFXPassword string `json:"pfx_password"`
}

// WorkloadIdentity trusts the federated tokens in the token files.
type WorkloadIdentity struct {
	ClientID                  string `json:"client_id"`
	FederatedTokenFile        string `json:"federated_token_file"`
	ExpiredFederatedTokenFile string `json:"expired_federated_token_file"`
	Issuer                    string `json:"issuer"`
	Subject                   string `json:"subject"`
}

// ManagedIdentity describes the App Service style managed identity endpoint (IDENTITY_ENDPOINT/HEADER).
type ManagedIdentity struct {
	SystemAssignedClientID string `json:"system_assigned_client_id"`
	UserAssignedClientID   string `json:"user_assigned_client_id"`
	IdentityEndpoint       string `json:"identity_endpoint"`
	IdentityHeader         string `json:"identity_header"`
	IMDSEndpoint           string `json:"imds_endpoint"`
}

type environment struct {
	em        *entraemu.Emulator
	proxy     *entraemu.Proxy
	api       *kubeapi.Server
	state     State
	statePath string
}

// start registers the identities, starts both servers and writes ca.pem, the credentials, the kubeconfig
// and finally the state file (atomically, so a watcher never reads half of it).
func start(cfg config) (*environment, error) {
	if err := os.MkdirAll(cfg.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", cfg.dir, err)
	}
	dir, err := filepath.Abs(cfg.dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", cfg.dir, err)
	}
	ca, err := testca.New()
	if err != nil {
		return nil, err
	}
	em, err := entraemu.New(entraemu.Options{
		CA: ca, Addr: cfg.entraAddr, ExtraDNSNames: cfg.extraDNSNames,
		AccessTokenLifetime: cfg.tokenLifetime, RefreshTokenLifetime: cfg.refreshTokenLifetime,
		AutoApproveDeviceCodeAfter: cfg.autoApproveAfter, AutoLogin: cfg.autoLogin,
	})
	if err != nil {
		return nil, err
	}
	s := State{
		PID: os.Getpid(), CAFile: filepath.Join(dir, "ca.pem"), Kubeconfig: filepath.Join(dir, "kubeconfig"),
		TenantID: entraemu.DefaultTenantID, TenantDomain: entraemu.DefaultTenantDomain,
		ServerID: entraemu.AKSServerID, ClientID: entraemu.AKSClientID,
	}
	if err := register(em, dir, &s); err != nil {
		return nil, err
	}
	if err := em.Start(); err != nil {
		return nil, err
	}
	audiences := cfg.audiences
	if len(audiences) == 0 {
		audiences = []string{entraemu.AKSServerID}
	}
	proxy, err := em.StartProxy(entraemu.ProxyOptions{Addr: cfg.proxyAddr})
	if err != nil {
		_ = em.Close()
		return nil, err
	}
	// Tokens name the host the client called: the emulator's own URL, or a cloud host through the proxy.
	issuers := []string{em.IssuerV2(entraemu.DefaultTenantID), em.IssuerV1(entraemu.DefaultTenantID)}
	for _, host := range entraemu.CloudHosts {
		issuers = append(issuers, "https://"+host+"/"+entraemu.DefaultTenantID+"/v2.0")
	}
	api, err := kubeapi.New(kubeapi.Config{
		CA: ca, Addr: cfg.kubeAPIAddr, Audiences: audiences, JWKSURL: em.JWKSURL(entraemu.DefaultTenantID),
		Issuers: issuers, Now: em.Now,
	})
	if err == nil {
		err = api.Start()
	}
	if err != nil {
		_ = errors.Join(proxy.Close(), em.Close())
		return nil, err
	}
	env := &environment{em: em, proxy: proxy, api: api, state: s}
	env.state.ProxyURL = proxy.URL()
	env.state.AuthorityHost = em.URL()
	env.state.ControlURL = em.URL() + "_emulator/"
	env.state.KubeAPIServer = api.URL()
	env.state.KubeAPIRequestsURL = api.URL() + "/_kubeapi/requests"
	env.state.ManagedIdentity.IdentityEndpoint = em.ManagedIdentityURL()
	env.state.ManagedIdentity.IMDSEndpoint = em.URL() + "metadata/identity/oauth2/token"
	env.statePath = cfg.stateFile
	if env.statePath == "" {
		env.statePath = filepath.Join(dir, "state.json")
	}
	if err := env.writeFiles(ca); err != nil {
		_ = env.close()
		return nil, err
	}
	return env, nil
}

// register adds the test identities and writes their credential files into dir.
func register(em *entraemu.Emulator, dir string, s *State) error {
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Name: "Azure Kubernetes Service AAD Client", Public: true})
	em.AddClient(entraemu.Client{ID: entraemu.AzureCLIClientID, Name: "Microsoft Azure CLI", Public: true})

	password := secret()
	u := em.AddUser(entraemu.User{UPN: entraemu.DefaultUserUPN, Name: "Alice Tester", Password: password})
	s.User = UserState{UPN: u.UPN, Password: password, ObjectID: u.OID}

	clientSecret := secret()
	sp := em.AddClient(entraemu.Client{ID: servicePrincipalID, Name: "kubelogin-testenv-spn", Secret: clientSecret})
	s.ServicePrincipal = ServicePrincipal{ClientID: servicePrincipalID, ClientSecret: clientSecret, ObjectID: sp.ObjectID}

	cert, key, err := testca.SelfSignedRSA("kubelogin-testenv-cert")
	if err != nil {
		return err
	}
	em.AddClient(entraemu.Client{ID: certificatePrincipalID, Name: "kubelogin-testenv-cert", Certificate: cert})
	pemData, err := testca.CertAndKeyPEM(cert, key)
	if err != nil {
		return err
	}
	pfxPassword := secret()
	pfx, err := pkcs12.LegacyDES.Encode(key, cert, nil, pfxPassword)
	if err != nil {
		return fmt.Errorf("encode PFX: %w", err)
	}
	s.CertificatePrincipal = CertificatePrincipal{
		ClientID: certificatePrincipalID, PEMFile: filepath.Join(dir, "spn-cert.pem"),
		PFXFile: filepath.Join(dir, "spn-cert.pfx"), PFXPassword: pfxPassword,
	}

	issuer, err := entraemu.NewFederatedIssuer(federatedIssuerURL)
	if err != nil {
		return err
	}
	em.AddClient(entraemu.Client{ID: workloadIdentityID, Name: "kubelogin-testenv-wi", FederatedCredentials: []entraemu.FederatedCredential{issuer.Credential(federatedSubject)}})
	now := time.Now()
	fresh, err := issuer.Token(federatedSubject, now.Add(-time.Minute), now.Add(7*24*time.Hour))
	if err != nil {
		return err
	}
	expired, err := issuer.Token(federatedSubject, now.Add(-2*time.Hour), now.Add(-time.Hour))
	if err != nil {
		return err
	}
	s.WorkloadIdentity = WorkloadIdentity{
		ClientID: workloadIdentityID, FederatedTokenFile: filepath.Join(dir, "federated-token"),
		ExpiredFederatedTokenFile: filepath.Join(dir, "federated-token-expired"), Issuer: federatedIssuerURL, Subject: federatedSubject,
	}

	em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: systemIdentityID, SystemAssigned: true})
	em.AddManagedIdentity(entraemu.ManagedIdentity{ClientID: userIdentityID, ResourceID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kubelogin-testenv/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kubelogin"})
	s.ManagedIdentity = ManagedIdentity{SystemAssignedClientID: systemIdentityID, UserAssignedClientID: userIdentityID, IdentityHeader: em.IdentityHeader()}

	for path, data := range map[string][]byte{
		s.CertificatePrincipal.PEMFile:               pemData,
		s.CertificatePrincipal.PFXFile:               pfx,
		s.WorkloadIdentity.FederatedTokenFile:        []byte(fresh),
		s.WorkloadIdentity.ExpiredFederatedTokenFile: []byte(expired),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

func (env *environment) writeFiles(ca *testca.CA) error {
	if err := ca.WriteFile(env.state.CAFile); err != nil {
		return err
	}
	kubeconfig, err := kubeconfigYAML(env.state, ca.PEM())
	if err != nil {
		return err
	}
	if err := os.WriteFile(env.state.Kubeconfig, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	data, err := json.MarshalIndent(env.state, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := env.statePath + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, env.statePath); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

func (env *environment) close() error {
	return errors.Join(env.api.Close(), env.proxy.Close(), env.em.Close())
}

// printSummary says where things are, never what the secrets are.
func (env *environment) printSummary(w io.Writer) {
	s := env.state
	fmt.Fprintf(w, `kubelogin-testenv ready (pid %d)
  Entra ID emulator:  %s  (control API %s)
  proxy:              %s  (HTTPS_PROXY/HTTP_PROXY: login.microsoftonline.com, management.azure.com, IMDS)
  API server:         %s
  tenant:             %s
  server id:          %s
  client id:          %s
  user:               %s
  CA certificate:     %s
  kubeconfig:         %s
  state (secrets):    %s
`, s.PID, s.AuthorityHost, s.ControlURL, s.ProxyURL, s.KubeAPIServer, s.TenantID, s.ServerID, s.ClientID, s.User.UPN, s.CAFile, s.Kubeconfig, env.statePath)
}

// announceDeviceCodes tells the person running the demo which code to enter (user codes are not secrets:
// Entra ID shows them to anyone looking at the screen).
func (env *environment) announceDeviceCodes(ctx context.Context, w io.Writer) {
	for {
		select {
		case <-ctx.Done():
			return
		case dc := <-env.em.DeviceCodes():
			fmt.Fprintf(w, "kubelogin-testenv: device code %s issued to client %s; enter it at %s\n", dc.UserCode, dc.ClientID, dc.VerificationURI)
		}
	}
}

func secret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
