// Package kubetest is a stand-in Kubernetes API server on loopback for the
// few list calls the inventory makes (nodes, pods, replicasets, jobs, all
// namespaces or one), answering JSON lists of real API objects, and writes
// a kubeconfig that points client-go at it. Unit tests of the source use
// client-go's fake clientset; this is for the CLI and the benchmark, which
// reach clusters through a kubeconfig as users do.
package kubetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cluster is what the server holds.
type Cluster struct {
	Nodes       []corev1.Node
	Pods        []corev1.Pod
	ReplicaSets []appsv1.ReplicaSet
	Jobs        []batchv1.Job
}

// Server is a running stand-in.
type Server struct {
	URL string
	c   Cluster
}

// New serves c until the test ends.
func New(t testing.TB, c Cluster) *Server {
	t.Helper()
	s := &Server{c: c}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Kubeconfig writes a kubeconfig with one context, name, for this server
// and returns its path.
func (s *Server) Kubeconfig(t testing.TB, name string) string {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster: {server: %[2]s}
users:
- name: %[1]s
  user: {token: stand-in-token}
contexts:
- name: %[1]s
  context: {cluster: %[1]s, user: %[1]s}
current-context: %[1]s
`, name, s.URL)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	resource, ns := parts[len(parts)-1], ""
	if i := indexOf(parts, "namespaces"); i >= 0 && i+2 < len(parts) {
		ns = parts[i+1]
	}
	var list any
	switch resource {
	case "nodes":
		list = &corev1.NodeList{TypeMeta: metav1.TypeMeta{Kind: "NodeList", APIVersion: "v1"}, Items: s.c.Nodes}
	case "pods":
		list = &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, Items: inNamespace(s.c.Pods, ns, func(p corev1.Pod) string { return p.Namespace })}
	case "replicasets":
		list = &appsv1.ReplicaSetList{TypeMeta: metav1.TypeMeta{Kind: "ReplicaSetList", APIVersion: "apps/v1"}, Items: inNamespace(s.c.ReplicaSets, ns, func(x appsv1.ReplicaSet) string { return x.Namespace })}
	case "jobs":
		list = &batchv1.JobList{TypeMeta: metav1.TypeMeta{Kind: "JobList", APIVersion: "batch/v1"}, Items: inNamespace(s.c.Jobs, ns, func(x batchv1.Job) string { return x.Namespace })}
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

func inNamespace[T any](items []T, ns string, of func(T) string) []T {
	if ns == "" {
		return items
	}
	var out []T
	for _, it := range items {
		if of(it) == ns {
			out = append(out, it)
		}
	}
	return out
}

func indexOf(parts []string, s string) int {
	for i, p := range parts {
		if p == s {
			return i
		}
	}
	return -1
}

// RunningPod is a running pod in namespace ns with one container of that
// name running image, whose status names the digest it runs as imageID
// (repository@sha256:…), as the kubelet reports it.
func RunningPod(ns, name, container, image, imageID string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: container, Image: image}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: container, ImageID: imageID}}},
	}
}
