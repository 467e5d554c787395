package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// The bot's periodic inventory job lists a registry and a cluster into the
// ledger on start: the image and where it runs are there without anyone
// running vigil inventory.
func TestPeriodicInventoryFillsTheLedger(t *testing.T) {
	w := newWorld(t)
	reg := registrytest.New(t)
	img, _ := random.Image(64, 1)
	reg.Push(t, "group/app:1.0", img)
	d, _ := img.Digest()
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "app-1"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: reg.Host + "/group/app:1.0"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", ImageID: reg.Host + "/group/app@" + d.String()}}},
	}}})
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	yml := fmt.Sprintf("sources:\n  - {name: registry, type: oci, registry: %q, insecure: true}\n  - {name: prod, type: kubernetes, kubeconfig: %q, context: prod}\n",
		reg.Host, kube.Kubeconfig(t, "prod"))
	if err := os.WriteFile(inv, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.config()
	cfg.InventoryFile = inv
	w.start(cfg)

	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		where, err := w.bot.ledger.Assets().Where(ctx, d.String())
		images, _ := w.bot.ledger.Assets().Images(ctx, d.String())
		if err == nil && len(where) == 1 && len(images) == 1 {
			if where[0] != "prod/web/Pod/app-1/app" || images[0].Tags != "1.0" {
				t.Errorf("stored %v %+v", where, images)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("inventory not in the ledger after 20 s: %v %+v %v", where, images, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBadInventoryConfigStopsStart(t *testing.T) {
	w := newWorld(t)
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	if err := os.WriteFile(inv, []byte("sources: [{name: x, type: quay}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.config()
	cfg.InventoryFile = inv
	if _, err := New(context.Background(), cfg, nil); err == nil {
		t.Fatal("a bot with a broken inventory config started")
	}
}
