package kubeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// serverVersion is what /version reports; kubectl only warns on large skew.
const serverVersion = "v1.32.4"

func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /version", s.handleVersion)
	api.HandleFunc("GET /api", s.handleCoreVersions)
	api.HandleFunc("GET /apis", handleGroups)
	api.HandleFunc("GET /api/v1", handleCoreResources)
	api.HandleFunc("GET /apis/authentication.k8s.io/v1", handleAuthnResources)
	api.HandleFunc("GET /api/v1/nodes", s.handleNodes)
	api.HandleFunc("GET /api/v1/nodes/{name}", s.handleNode)
	// kubectl 1.27 asks v1beta1 (and v1alpha1) for whoami; later versions try v1 first.
	for _, v := range []string{"v1", "v1beta1", "v1alpha1"} {
		api.HandleFunc("POST /apis/authentication.k8s.io/"+v+"/selfsubjectreviews", s.handleWhoAmI)
	}
	api.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+controlPath, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Requests())
	})
	mux.Handle("/", s.authenticated(api))
	return mux
}

func (s *Server) handleVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"major": "1", "minor": "32", "gitVersion": serverVersion, "gitCommit": "0000000000000000000000000000000000000000",
		"gitTreeState": "clean", "buildDate": "2025-04-22T16:00:00Z", "goVersion": "go1.23.8", "compiler": "gc",
		"platform": "linux/amd64",
	})
}

// handleCoreVersions answers legacy discovery. kubectl asks for aggregated discovery first; a plain
// application/json reply makes client-go fall back to these documents.
func (s *Server) handleCoreVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "APIVersions", "versions": []string{"v1"},
		"serverAddressByClientCIDRs": []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}},
	})
}

func handleGroups(w http.ResponseWriter, _ *http.Request) {
	gv := map[string]string{"groupVersion": "authentication.k8s.io/v1", "version": "v1"}
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "APIGroupList", "apiVersion": "v1",
		"groups": []map[string]any{{"name": "authentication.k8s.io", "versions": []any{gv}, "preferredVersion": gv}},
	})
}

func handleCoreResources(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "APIResourceList", "groupVersion": "v1",
		"resources": []map[string]any{{
			"name": "nodes", "singularName": "node", "namespaced": false, "kind": "Node",
			"verbs": []string{"get", "list"}, "shortNames": []string{"no"},
		}},
	})
}

func handleAuthnResources(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "authentication.k8s.io/v1",
		"resources": []map[string]any{{
			"name": "selfsubjectreviews", "singularName": "selfsubjectreview", "namespaced": false,
			"kind": "SelfSubjectReview", "verbs": []string{"create"},
		}},
	})
}

// node builds an AKS-looking Node created five days before the server started.
func (s *Server) node(name string, i int) map[string]any {
	created := s.started.Add(-5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	return map[string]any{
		"kind": "Node", "apiVersion": "v1",
		"metadata": map[string]any{
			"name": name, "uid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "resourceVersion": "1",
			"creationTimestamp": created,
			"labels": map[string]string{
				"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
				"kubernetes.azure.com/agentpool": "nodepool1", "node.kubernetes.io/instance-type": "Standard_DS2_v2",
			},
		},
		"spec": map[string]any{"providerID": fmt.Sprintf("azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1/virtualMachines/%d", i)},
		"status": map[string]any{
			"conditions": []map[string]string{{
				"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
				"lastHeartbeatTime": created, "lastTransitionTime": created,
			}},
			"addresses": []map[string]string{{"type": "InternalIP", "address": fmt.Sprintf("10.224.0.%d", 4+i)}, {"type": "Hostname", "address": name}},
			"nodeInfo": map[string]string{
				"kubeletVersion": serverVersion, "osImage": "Ubuntu 22.04.5 LTS", "kernelVersion": "5.15.0-1079-azure",
				"containerRuntimeVersion": "containerd://1.7.25-1", "architecture": "amd64", "operatingSystem": "linux",
			},
		},
	}
}

// nodeColumns are the columns the real API server prints for nodes (wide ones have priority 1).
var nodeColumns = []map[string]any{
	{"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0},
	{"name": "Status", "type": "string", "format": "", "description": "The status of the node", "priority": 0},
	{"name": "Roles", "type": "string", "format": "", "description": "The roles of the node", "priority": 0},
	{"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0},
	{"name": "Version", "type": "string", "format": "", "description": "Kubelet Version reported by the node.", "priority": 0},
	{"name": "Internal-IP", "type": "string", "format": "", "description": "List of addresses reachable to the node.", "priority": 1},
	{"name": "External-IP", "type": "string", "format": "", "description": "List of addresses reachable to the node.", "priority": 1},
	{"name": "OS-Image", "type": "string", "format": "", "description": "OS Image reported by the node.", "priority": 1},
	{"name": "Kernel-Version", "type": "string", "format": "", "description": "Kernel Version reported by the node.", "priority": 1},
	{"name": "Container-Runtime", "type": "string", "format": "", "description": "ContainerRuntime Version reported by the node.", "priority": 1},
}

// wantsTable reports whether the client asked for server-side printing (kubectl get does).
func wantsTable(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "as=Table")
}

func (s *Server) table(nodes []map[string]any) map[string]any {
	rows := make([]map[string]any, 0, len(nodes))
	for _, n := range nodes {
		meta := n["metadata"].(map[string]any)
		status := n["status"].(map[string]any)
		ip := status["addresses"].([]map[string]string)[0]["address"]
		rows = append(rows, map[string]any{
			"cells": []any{meta["name"], "Ready", "<none>", "5d", serverVersion, ip, "<none>", "Ubuntu 22.04.5 LTS", "5.15.0-1079-azure", "containerd://1.7.25-1"},
			"object": map[string]any{
				"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
				"metadata": map[string]any{"name": meta["name"], "uid": meta["uid"], "resourceVersion": "1", "creationTimestamp": meta["creationTimestamp"], "labels": meta["labels"]},
			},
		})
	}
	return map[string]any{
		"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": map[string]string{"resourceVersion": "1"},
		"columnDefinitions": nodeColumns, "rows": rows,
	}
}

func (s *Server) handleNodes(w http.ResponseWriter, r *http.Request) {
	nodes := make([]map[string]any, 0, len(s.cfg.Nodes))
	for i, name := range s.cfg.Nodes {
		nodes = append(nodes, s.node(name, i))
	}
	if wantsTable(r) {
		writeJSON(w, http.StatusOK, s.table(nodes))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "NodeList", "apiVersion": "v1", "metadata": map[string]string{"resourceVersion": "1"}, "items": nodes,
	})
}

func (s *Server) handleNode(w http.ResponseWriter, r *http.Request) {
	for i, name := range s.cfg.Nodes {
		if name != r.PathValue("name") {
			continue
		}
		n := s.node(name, i)
		if wantsTable(r) {
			writeJSON(w, http.StatusOK, s.table([]map[string]any{n}))
			return
		}
		writeJSON(w, http.StatusOK, n)
		return
	}
	writeStatus(w, http.StatusNotFound, "NotFound", `nodes "`+r.PathValue("name")+`" not found`)
}

// handleWhoAmI answers `kubectl auth whoami` with the identity the token carried.
func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	version := strings.Split(r.URL.Path, "/")[3]
	writeJSON(w, http.StatusCreated, map[string]any{
		"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/" + version,
		"metadata": map[string]string{"creationTimestamp": s.cfg.Now().UTC().Format(time.RFC3339)},
		"status":   map[string]any{"userInfo": userFrom(r)},
	})
}

// writeStatus writes a metav1.Status failure, the body kubectl parses for its error messages.
func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	writeJSON(w, code, map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message, "reason": reason, "code": code,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing useful to do
}
