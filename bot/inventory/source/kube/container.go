package kube

import (
	"maps"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// containers is one asset per container of p (init containers first, as
// they start), with the digest its status reports.
func containers(cluster string, p *corev1.Pod, workload, platform string) []inventory.Asset {
	status := map[string]corev1.ContainerStatus{}
	for _, st := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		status[st.Name] = st
	}
	var out []inventory.Asset
	add := func(c corev1.Container, init bool) {
		st := status[c.Name]
		repo, digest := imageOf(c.Image, st.ImageID)
		out = append(out, inventory.Asset{
			Kind: inventory.KindCluster, Repository: repo, Digest: digest, Platform: platform,
			Owner: p.Annotations[OwnerAnnotation],
			Running: &inventory.Running{
				Cluster: cluster, Namespace: p.Namespace, Workload: workload, Pod: p.Name,
				Container: c.Name, Init: init, Image: c.Image, Since: since(p, st),
				Labels: maps.Clone(p.Labels), Annotations: annotations(p.Annotations),
			},
		})
	}
	for _, c := range p.Spec.InitContainers {
		add(c, true)
	}
	for _, c := range p.Spec.Containers {
		add(c, false)
	}
	return out
}

// imageOf reads the repository and manifest digest a container runs.
// imageID is "docker-pullable://repo@sha256:…" (dockershim),
// "repo@sha256:…" (containerd, CRI-O) or a bare image id ("sha256:…", the
// config digest, not a registry digest): only the first two say which
// manifest runs. The repository is normalised as registries name it
// (nginx → index.docker.io/library/nginx).
func imageOf(image, imageID string) (repository, digest string) {
	id := imageID
	if _, rest, ok := strings.Cut(id, "://"); ok {
		id = rest
	}
	repo := image
	if r, d, ok := strings.Cut(id, "@"); ok {
		repo, digest = r, d
	} else if r, d, ok := strings.Cut(image, "@"); ok {
		// A pod pinned by digest runs that digest even before its status says so.
		repo, digest = r, d
	}
	if ref, err := name.ParseReference(repo, name.WeakValidation); err == nil {
		return ref.Context().Name(), digest
	}
	return repo, digest
}

// since is when the container started, else when the pod did.
func since(p *corev1.Pod, st corev1.ContainerStatus) *time.Time {
	var t time.Time
	switch {
	case st.State.Running != nil:
		t = st.State.Running.StartedAt.Time
	case st.State.Terminated != nil:
		t = st.State.Terminated.StartedAt.Time
	case p.Status.StartTime != nil:
		t = p.Status.StartTime.Time
	}
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// lastApplied is kubectl's copy of the whole applied manifest, environment
// values included: it can hold credentials, so it never leaves the cluster.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

func annotations(a map[string]string) map[string]string {
	out := maps.Clone(a)
	delete(out, lastApplied)
	return out
}
