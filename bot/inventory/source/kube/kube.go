// Package kube lists what runs in a Kubernetes cluster with client-go:
// every container of every live pod (init containers too), the digest it
// runs (status.containerStatuses[].imageID), its namespace, the workload
// that owns it (a ReplicaSet's Deployment, a Job's CronJob), its labels
// and annotations, and the node's platform.
package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// OwnerAnnotation is the annotation GitLab's Auto Deploy puts on pods
// naming the project that deploys them; it makes that project the owner.
const OwnerAnnotation = "app.gitlab.com/app"

// Config names a cluster.
type Config struct {
	Name    string
	Cluster string // shown in where-running; Name when empty
	Client  kubernetes.Interface
	// Namespaces limits the listing; every namespace when empty.
	Namespaces []string
	PageSize   int64 // pods per list call, 500 when zero
}

// Source is a cluster.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.Cluster == "" {
		cfg.Cluster = cfg.Name
	}
	if cfg.PageSize < 1 {
		cfg.PageSize = 500
	}
	if len(cfg.Namespaces) == 0 {
		cfg.Namespaces = []string{metav1.NamespaceAll}
	}
	return &Source{cfg: cfg}
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "kubernetes".
func (s *Source) Type() string { return "kubernetes" }

// List lists the containers of every pod that is not finished.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	platforms := s.platforms(ctx)
	var assets []inventory.Asset
	for _, ns := range s.cfg.Namespaces {
		owners, err := s.workloads(ctx, ns)
		if err != nil {
			return assets, err
		}
		err = s.pods(ctx, ns, func(p *corev1.Pod) {
			assets = append(assets, containers(s.cfg.Cluster, p, owners.of(p), platforms[p.Spec.NodeName])...)
		})
		if err != nil {
			return assets, err
		}
	}
	return assets, nil
}

// pods pages through the pods of ns.
func (s *Source) pods(ctx context.Context, ns string, each func(*corev1.Pod)) error {
	opts := metav1.ListOptions{Limit: s.cfg.PageSize}
	for {
		list, err := s.cfg.Client.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return fmt.Errorf("list pods: %w", err)
		}
		for i := range list.Items {
			if p := &list.Items[i]; p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				each(p)
			}
		}
		if list.Continue == "" {
			return nil
		}
		opts.Continue = list.Continue
	}
}

// platforms maps node names to os/arch. Reading nodes is a cluster-wide
// permission a namespaced identity may lack: then platforms are unknown,
// which is no reason to fail the listing.
func (s *Source) platforms(ctx context.Context) map[string]string {
	out := map[string]string{}
	nodes, err := s.cfg.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return out
	}
	for _, n := range nodes.Items {
		if info := n.Status.NodeInfo; info.Architecture != "" {
			out[n.Name] = info.OperatingSystem + "/" + info.Architecture
		}
	}
	return out
}
