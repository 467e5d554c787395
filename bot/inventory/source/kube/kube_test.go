package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/kube"
)

var (
	started   = metav1.NewTime(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
	apiDigest = "sha256:" + strings.Repeat("a", 64)
	envoy     = "sha256:" + strings.Repeat("e", 64)
	migrate   = "sha256:" + strings.Repeat("d", 64)
	backup    = "sha256:" + strings.Repeat("b", 64)
)

func controller(kind, name string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID("u-" + name), Controller: ptr(true)}}
}

func ptr[T any](v T) *T { return &v }

func running(name, image, imageID string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Image: image, ImageID: imageID, Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}
}

// A cluster as kubectl shows it: a Deployment's pod (through its
// ReplicaSet) with an init container and a sidecar on an arm64 node, a
// CronJob's pod (through its Job), and a finished pod that runs nothing.
func cluster() []runtime.Object {
	return []runtime.Object{
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"},
			Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "arm64"}}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "api-7d9f8c6b5", Namespace: "payments", OwnerReferences: controller("Deployment", "api")}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "backup-29012345", Namespace: "ops", OwnerReferences: controller("CronJob", "backup")}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "api-7d9f8c6b5-x2x4q", Namespace: "payments", OwnerReferences: controller("ReplicaSet", "api-7d9f8c6b5"),
				Labels: map[string]string{"app": "api", "env": "prod"},
				Annotations: map[string]string{kube.OwnerAnnotation: "payments/api",
					"kubectl.kubernetes.io/last-applied-configuration": `{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}`}},
			Spec: corev1.PodSpec{NodeName: "node-a",
				InitContainers: []corev1.Container{{Name: "migrate", Image: "registry.gitlab.com/payments/api/migrate:1.4.2"}},
				Containers:     []corev1.Container{{Name: "api", Image: "registry.gitlab.com/payments/api:1.4.2"}, {Name: "envoy", Image: "envoyproxy/envoy:v1.31"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &started,
				InitContainerStatuses: []corev1.ContainerStatus{{Name: "migrate", ImageID: "registry.gitlab.com/payments/api/migrate@" + migrate,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, StartedAt: started}}}},
				ContainerStatuses: []corev1.ContainerStatus{
					running("api", "registry.gitlab.com/payments/api:1.4.2", "registry.gitlab.com/payments/api@"+apiDigest),
					running("envoy", "docker.io/envoyproxy/envoy:v1.31", "docker-pullable://envoyproxy/envoy@"+envoy),
				}},
		},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "backup-29012345-9kq7z", Namespace: "ops", OwnerReferences: controller("Job", "backup-29012345")},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "backup", Image: "ghcr.io/acme/backup@" + backup}}},
			Status:     corev1.PodStatus{Phase: corev1.PodPending},
		},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "old-backup-1", Namespace: "ops"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "backup", Image: "ghcr.io/acme/backup:old"}}},
			Status:     corev1.PodStatus{Phase: corev1.PodSucceeded},
		},
	}
}

func TestListRunningContainers(t *testing.T) {
	src := kube.New(kube.Config{Name: "prod-eu", Client: fake.NewClientset(cluster()...)})
	assets, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byContainer := map[string]inventory.Asset{}
	for _, a := range assets {
		byContainer[a.Running.Pod+"/"+a.Running.Container] = a
	}
	if len(assets) != 4 {
		t.Fatalf("want 4 containers (finished pod left out), got %d: %v", len(assets), byContainer)
	}
	api := byContainer["api-7d9f8c6b5-x2x4q/api"]
	if api.Digest != apiDigest || api.Repository != "registry.gitlab.com/payments/api" || api.Running.Workload != "Deployment/api" ||
		api.Owner != "payments/api" || api.Platform != "linux/arm64" || !api.Running.Since.Equal(started.Time) || api.Running.Labels["env"] != "prod" {
		t.Errorf("api container: %+v %+v", api, api.Running)
	}
	if _, leaked := api.Running.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; leaked {
		t.Error("kubectl's last-applied manifest (environment values and all) left the cluster")
	}
	if m := byContainer["api-7d9f8c6b5-x2x4q/migrate"]; !m.Running.Init || m.Digest != migrate {
		t.Errorf("init container: %+v %+v", m, m.Running)
	}
	if e := byContainer["api-7d9f8c6b5-x2x4q/envoy"]; e.Digest != envoy || e.Repository != "index.docker.io/envoyproxy/envoy" {
		t.Errorf("docker-pullable image id: %+v", e)
	}
	b := byContainer["backup-29012345-9kq7z/backup"]
	if b.Running.Workload != "CronJob/backup" || b.Digest != backup || b.Running.Where() != "prod-eu/ops/CronJob/backup/backup" {
		t.Errorf("cronjob pod: %+v %+v", b, b.Running)
	}
}

func TestNamespacesLimitTheListing(t *testing.T) {
	src := kube.New(kube.Config{Name: "prod-eu", Client: fake.NewClientset(cluster()...), Namespaces: []string{"ops"}})
	assets, err := src.List(context.Background())
	if err != nil || len(assets) != 1 || assets[0].Running.Namespace != "ops" {
		t.Fatalf("%v %+v", err, assets)
	}
}
