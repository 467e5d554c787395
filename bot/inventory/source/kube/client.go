package kube

import (
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// NewClient connects to a cluster: in-cluster (the pod's service account)
// when inCluster, else the kubeconfig (KUBECONFIG's files or
// ~/.kube/config when path is empty) at context (its current one when
// empty). Credentials stay in client-go: exec plugins, tokens and
// certificates are never read or logged here. client-go's rate limiter
// (20 requests/s, bursts of 40) keeps a large listing polite.
func NewClient(path, context string, inCluster bool) (kubernetes.Interface, error) {
	var cfg *rest.Config
	var err error
	if inCluster {
		cfg, err = rest.InClusterConfig()
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = path
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
			&clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("kubernetes config (context %q): %w", context, err)
	}
	cfg.QPS, cfg.Burst = 20, 40
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return c, nil
}
