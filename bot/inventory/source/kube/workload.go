package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// workloads maps the intermediate owners (ReplicaSets, Jobs) of a namespace
// to the workload that owns them, so a pod is shown as its Deployment's or
// CronJob's, which is what people name and what outlives a rollout.
type workloads map[string]string // "Kind/ns/name" → "Kind/name"

func (s *Source) workloads(ctx context.Context, ns string) (workloads, error) {
	out := workloads{}
	rs, err := s.cfg.Client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list replicasets: %w", err)
	}
	for _, r := range rs.Items {
		if o := metav1.GetControllerOf(&r); o != nil {
			out["ReplicaSet/"+r.Namespace+"/"+r.Name] = o.Kind + "/" + o.Name
		}
	}
	jobs, err := s.cfg.Client.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	for _, j := range jobs.Items {
		if o := metav1.GetControllerOf(&j); o != nil {
			out["Job/"+j.Namespace+"/"+j.Name] = o.Kind + "/" + o.Name
		}
	}
	return out, nil
}

// of is the workload that owns p: its controller, or the controller's own.
func (w workloads) of(p *corev1.Pod) string {
	o := metav1.GetControllerOf(p)
	if o == nil {
		return ""
	}
	if top, ok := w[o.Kind+"/"+p.Namespace+"/"+o.Name]; ok {
		return top
	}
	return o.Kind + "/" + o.Name
}
