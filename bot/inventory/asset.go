package inventory

import "time"

// Kinds of asset: an image found in a registry, or one running in a cluster.
const (
	KindRegistry = "registry"
	KindCluster  = "cluster"
)

// Asset is one image digest as one source sees it: in a registry (with its
// tags and times) or running in a cluster (with where it runs).
type Asset struct {
	Source     string   `json:"source"`
	Kind       string   `json:"kind"`
	Repository string   `json:"repository"` // host/path, without tag or digest
	Digest     string   `json:"digest,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	MediaType  string   `json:"media_type,omitempty"`
	// Platform is os/arch when the source knows it (a node's, for a pod).
	Platform     string     `json:"platform,omitempty"`
	PushedAt     *time.Time `json:"pushed_at,omitempty"`
	LastPulledAt *time.Time `json:"last_pulled_at,omitempty"`
	Running      *Running   `json:"running,omitempty"`
	// Owner is the GitLab project path responsible for the image.
	Owner string `json:"owner,omitempty"`
	Tier  string `json:"tier,omitempty"`
}

// Running says where a digest runs: one container of one pod.
type Running struct {
	Cluster     string            `json:"cluster"`
	Namespace   string            `json:"namespace"`
	Workload    string            `json:"workload,omitempty"` // kind/name of the owning workload, e.g. Deployment/api
	Pod         string            `json:"pod"`
	Container   string            `json:"container"`
	Init        bool              `json:"init,omitempty"`
	Image       string            `json:"image"` // the reference as the pod spec writes it
	Since       *time.Time        `json:"since,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Where is the running location in one short string: cluster/namespace/workload/container.
func (r *Running) Where() string {
	if r == nil {
		return ""
	}
	w := r.Workload
	if w == "" {
		w = "Pod/" + r.Pod
	}
	return r.Cluster + "/" + r.Namespace + "/" + w + "/" + r.Container
}

// Result is what one source gave: its assets, or the error that stopped it.
type Result struct {
	Source string
	Type   string
	Assets []Asset
	Err    error
	Took   time.Duration
}
