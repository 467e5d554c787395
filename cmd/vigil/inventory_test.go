package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/google"
	"github.com/google/go-containerregistry/pkg/v1/random"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/ecrtest"
	"gitlab.com/vigil-vm/vigil/internal/gartest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// inventoryWorld starts one local server per source of
// testdata/inventory/example.yml and points the config at them; the
// cluster runs the GitLab image, the ECR image and one image no registry has.
func inventoryWorld(t *testing.T) (gitlabDigest, ecrDigest, strayDigest string) {
	t.Helper()
	glReg := registrytest.New(t)
	gl := gitlabdouble.NewTest(t, gitlabdouble.WithContainerRegistry(glReg.Host))
	bot, token := gl.AddUser("vigil-inventory", gitlabdouble.NoAccess)
	gl.AddProject(gitlabdouble.ProjectSpec{Path: "payments/api", Members: map[int]gitlabdouble.AccessLevel{bot.ID: gitlabdouble.Reporter}})
	api, _ := random.Image(64, 1)
	glReg.Push(t, "payments/api:1.4.2", api)
	d, _ := api.Digest()
	gitlabDigest = d.String()

	harbor := registrytest.New(t)
	base, _ := random.Image(64, 1)
	harbor.Push(t, "library/base:bookworm", base)

	ecr := ecrtest.New(t)
	ecrDigest = "sha256:" + strings.Repeat("e", 64)
	ecr.Add("billing/invoicer", ecrtest.Image{Digest: ecrDigest, Tags: []string{"2.0"}, PushedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})

	gar := gartest.New(t)
	gar.Add("acme-prod/images/web", "sha256:"+strings.Repeat("9", 64), google.ManifestInfo{Tags: []string{"v7"}, Uploaded: time.Now()})

	acr := registrytest.New(t)
	cart, _ := random.Image(64, 1)
	acr.Push(t, "shop/cart:3.1", cart)

	strayDigest = "sha256:" + strings.Repeat("5", 64)
	pod := func(ns, name, image, imageID string, labels map[string]string) corev1.Pod {
		return corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "main", ImageID: imageID,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}},
		}
	}
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{
		pod("payments", "api-1", glReg.Host+"/payments/api:1.4.2", glReg.Host+"/payments/api@"+gitlabDigest, map[string]string{"env": "prod"}),
		pod("billing", "invoicer-1", ecr.Host()+"/billing/invoicer:2.0", ecr.Host()+"/billing/invoicer@"+ecrDigest, nil),
		pod("ops", "debug-1", "docker.io/library/busybox:1.36", "docker.io/library/busybox@"+strayDigest, nil),
	}})

	for k, v := range map[string]string{
		"INVENTORY_GITLAB_URL": gl.APIURL(), "VIGIL_GITLAB_TOKEN": token, "INVENTORY_INSECURE": "true",
		"INVENTORY_OCI_REGISTRY": harbor.Host, "INVENTORY_ECR_ENDPOINT": ecr.URL, "INVENTORY_GAR_HOST": gar.Host,
		"INVENTORY_ACR_REGISTRY": acr.Host, "INVENTORY_KUBECONFIG": kube.Kubeconfig(t, "prod-eu"),
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-secret", "AWS_CONFIG_FILE": "/nonexistent",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	return gitlabDigest, ecrDigest, strayDigest
}

func TestInventoryExampleConfig(t *testing.T) {
	gitlabDigest, ecrDigest, _ := inventoryWorld(t)
	code, out := vigil(t, "inventory", "--config", "../../testdata/inventory/example.yml", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var rep inventory.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	for _, s := range rep.Sources {
		if s.Error != "" || s.Assets == 0 {
			t.Errorf("source %s (%s): %d assets, error %q", s.Source, s.Type, s.Assets, s.Error)
		}
	}
	if len(rep.Sources) != 6 {
		t.Errorf("want the 6 sources of the example, got %d", len(rep.Sources))
	}
	got := map[string]inventory.Asset{}
	for _, a := range rep.Assets {
		got[a.Source+" "+a.Digest] = a
	}
	check := func(key, owner, tier string) {
		t.Helper()
		a, ok := got[key]
		if !ok || a.Owner != owner || a.Tier != tier {
			t.Errorf("%s: owner %q tier %q (present %v), want %q %q", key, a.Owner, a.Tier, ok, owner, tier)
		}
	}
	check("gitlab "+gitlabDigest, "payments/api", "production")            // registry owner; tier of where it runs
	check("prod-eu "+gitlabDigest, "payments/api", "production")           // owner by digest from the registry, tier by label
	check("aws-prod "+ecrDigest, "payments/billing", "production-support") // owner rule by repository
	check("prod-eu "+ecrDigest, "payments/billing", "production-support")  // owner joined from the registry row

	code, table := vigil(t, "inventory", "--config", "../../testdata/inventory/example.yml")
	if code != 0 || !strings.Contains(table, "prod-eu/payments/Pod/api-1/main") || !strings.Contains(table, "RUNNING") {
		t.Errorf("table (exit %d):\n%s", code, table)
	}
	t.Logf("\n%s", table)
}

func TestInventoryGaps(t *testing.T) {
	_, _, stray := inventoryWorld(t)
	t.Setenv("INVENTORY_GAR_HOST", "127.0.0.1:1") // nothing listens there
	code, out := vigil(t, "inventory", "--config", "../../testdata/inventory/example.yml", "--gaps", "-o", "json")
	if code != 1 {
		t.Fatalf("gaps found: want exit 1, got %d\n%s", code, out)
	}
	var rep inventory.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, g := range rep.Gaps {
		kinds = append(kinds, g.Kind+":"+g.Source+":"+g.Digest)
	}
	want := []string{"source:gcp-prod:", "unscanned:prod-eu:" + stray}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Errorf("gaps %v, want %v", kinds, want)
	}
	if n := len(rep.Assets); n < 6 {
		t.Errorf("one failed source stopped the others: %d assets", n)
	}
	if g := rep.Gaps[1]; g.Owner != "platform/ops" || g.Where != "prod-eu/ops/Pod/debug-1/main" {
		t.Errorf("stray gap carries owner and place: %+v", g)
	}
}

// With --data the run lands in the ledger, and a running digest that a
// registry lists but no scan covered is a gap too.
func TestInventoryStoredInLedger(t *testing.T) {
	gitlabDigest, _, stray := inventoryWorld(t)
	data := filepath.Join(t.TempDir(), "bot.db")
	code, out := vigil(t, "inventory", "--config", "../../testdata/inventory/example.yml", "--data", data, "--gaps", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var rep inventory.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var unscanned []string
	for _, g := range rep.Gaps {
		unscanned = append(unscanned, g.Digest)
	}
	if len(unscanned) != 3 || !slices.Contains(unscanned, stray) || !slices.Contains(unscanned, gitlabDigest) {
		t.Errorf("with an empty ledger every running digest is unscanned: %v", unscanned)
	}
	db, err := sqlite.Open(data, sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := ledger.Open(context.Background(), db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	where, err := l.Assets().Where(context.Background(), gitlabDigest)
	if err != nil || len(where) != 1 || where[0] != "prod-eu/payments/Pod/api-1/main" {
		t.Errorf("stored where-running: %v %v", where, err)
	}
	images, _ := l.Assets().Images(context.Background(), gitlabDigest)
	if len(images) != 1 || images[0].Owner != "payments/api" || images[0].Tier != "production" {
		t.Errorf("stored image: %+v", images)
	}
}
