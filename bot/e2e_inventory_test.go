package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	corev1 "k8s.io/api/core/v1"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// The bot's periodic inventory job lists a registry and a cluster into the
// ledger on start: the image and where it runs are there without anyone
// running vigil inventory.
func TestPeriodicInventoryFillsTheLedger(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	reg := registrytest.New(t)
	img, _ := random.Image(64, 1)
	reg.Push(t, "group/app:1.0", img)
	d, _ := img.Digest()
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{
		kubetest.RunningPod("web", "app-1", "app", reg.Host+"/group/app:1.0", reg.Host+"/group/app@"+d.String())}})
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	yml := fmt.Sprintf("sources:\n  - {name: registry, type: oci, registry: %q, insecure: true}\n  - {name: prod, type: kubernetes, kubeconfig: %q, context: prod}\n",
		reg.Host, kube.Kubeconfig(t, "prod"))
	if err := os.WriteFile(inv, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.config()
	cfg.InventoryFile = inv
	cfg.APIToken = "api-token-for-tests"
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
			checkAssetsAPI(t, w.bot.Handler(), d.String(), reg.Host+"/group/app")
			// The pod's digest is in the registry but was never scanned.
			for _, want := range []string{`vigil_bot_inventory_source_up{source="prod"} 1`, `vigil_bot_inventory_gaps{kind="unscanned"} 1`,
				`vigil_bot_inventory_assets{source="registry"} 1`} {
				if m := w.metrics(); !strings.Contains(m, want) {
					t.Errorf("metrics lack %s:\n%s", want, m)
				}
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

// checkAssetsAPI reads the stored inventory back through GET /api/assets.
func checkAssetsAPI(t *testing.T, h http.Handler, digest, repo string) {
	t.Helper()
	get := func(path, token string) (int, []byte) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	if code, _ := get("/api/assets", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := get("/api/assets", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	const token = "api-token-for-tests"
	for _, c := range []struct {
		path string
		n    int
	}{{"/api/assets", 1}, {"/api/assets?cluster=prod&image=" + url.QueryEscape(repo), 1}, {"/api/assets?cluster=staging", 0}, {"/api/assets?has-findings=true", 0}} {
		code, body := get(c.path, token)
		var views []ledger.AssetView
		if err := json.Unmarshal(body, &views); code != http.StatusOK || err != nil || len(views) != c.n {
			t.Errorf("%s: %d %v %s", c.path, code, err, body)
		}
	}
	code, body := get("/api/assets/"+digest, token)
	var v ledger.AssetView
	if err := json.Unmarshal(body, &v); code != http.StatusOK || err != nil || len(v.Running) != 1 || v.Running[0].Cluster != "prod" || len(v.Images) != 1 {
		t.Errorf("one asset: %d %v %s", code, err, body)
	}
	if code, _ := get("/api/assets/sha256:0000", token); code != http.StatusNotFound {
		t.Errorf("unknown digest: %d", code)
	}
}

// An issue lists where its image runs, from the inventory in the ledger;
// a rescan with the same places writes nothing, and a new place is one edit.
func TestIssueSaysWhereTheImageRuns(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	ctx := context.Background()
	const digest = "sha256:aaaa"
	runs := func(at time.Time, workloads ...string) {
		var results []inventory.Result
		r := inventory.Result{Source: "prod", Type: "kubernetes"}
		for _, wl := range workloads {
			r.Assets = append(r.Assets, inventory.Asset{Source: "prod", Kind: inventory.KindCluster, Repository: "registry.example/group/app", Digest: digest,
				Running: &inventory.Running{Cluster: "prod-eu", Namespace: "shop", Workload: wl, Pod: wl + "-1", Container: "app"}})
		}
		results = append(results, r)
		if _, err := w.bot.ledger.Assets().Record(ctx, inventory.NewReport(results, inventory.Rules{}, false, nil), at); err != nil {
			t.Fatal(err)
		}
	}
	runs(w.clock.Now(), "Deployment/app")
	w.scan(report(digest, xText))
	is := w.issue("CVE-2022-32149 in golang.org/x/text 0.3.5")
	if !strings.Contains(is.Description, "### Where it runs") || !strings.Contains(is.Description, "prod-eu/shop/Deployment/app/app") {
		t.Fatalf("description does not say where the image runs:\n%s", is.Description)
	}
	w.gl.ResetCalls()
	w.scan(report(digest, xText))
	if ws := w.gl.Writes(); len(ws) != 0 {
		t.Errorf("an unchanged rescan wrote: %s", writesSummary(ws))
	}
	runs(w.clock.Now().Add(time.Minute), "Deployment/app", "CronJob/report")
	w.scan(report(digest, xText))
	is = w.issue("CVE-2022-32149 in golang.org/x/text 0.3.5")
	if !strings.Contains(is.Description, "prod-eu/shop/CronJob/report/app") {
		t.Errorf("a new place is not shown:\n%s", is.Description)
	}
}

// The SLA policy's tier axis: a finding in an image the inventory puts in
// production is due within production's days, not the project's.
func TestProductionTierShortensTheSLA(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	policy := filepath.Join(t.TempDir(), "sla.yml")
	if err := os.WriteFile(policy, []byte("tiers:\n  - tier: production\n    days: {critical: 7, high: 7}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.config()
	cfg.PolicyFile = policy
	w.start(cfg)
	r := inventory.Result{Source: "prod", Type: "kubernetes", Assets: []inventory.Asset{{Source: "prod", Kind: inventory.KindCluster,
		Repository: "registry.example/group/app", Digest: "sha256:bbbb",
		Running: &inventory.Running{Cluster: "prod-eu", Namespace: "shop", Workload: "Deployment/app", Pod: "app-1", Container: "app"}}}}
	rules := inventory.Rules{Tiers: []inventory.TierRule{{Match: inventory.Match{Cluster: "prod-*"}, Tier: "production"}}}
	if _, err := w.bot.ledger.Assets().Record(context.Background(), inventory.NewReport([]inventory.Result{r}, rules, false, nil), w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.scan(report("sha256:bbbb", xText)) // High: 30 days by default
	is := w.issue("CVE-2022-32149 in golang.org/x/text 0.3.5")
	if want := w.clock.Now().AddDate(0, 0, 7).Format(time.DateOnly); is.DueDate == nil || is.DueDate.String() != want {
		t.Errorf("due %v, want %s (production's 7 days)", is.DueDate, want)
	}
}

// A digest gone from every registry that listed it, and running nowhere,
// is a retired asset: its findings are resolved and the issue closes with
// a note saying why. While a registry still lists it, nothing closes.
func TestRetiredAssetClosesItsIssues(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	ctx := context.Background()
	const digest = "sha256:dddd"
	listed := func(at time.Time, assets ...inventory.Asset) {
		r := inventory.Result{Source: "registry", Type: "oci", Assets: assets}
		if _, err := w.bot.ledger.Assets().Record(ctx, inventory.NewReport([]inventory.Result{r}, inventory.Rules{}, false, nil), at); err != nil {
			t.Fatal(err)
		}
	}
	image := inventory.Asset{Source: "registry", Kind: inventory.KindRegistry, Repository: "registry.example/group/app", Digest: digest, Tags: []string{"main"}}
	listed(w.clock.Now(), image)
	w.scan(report(digest, xText))
	title := "CVE-2022-32149 in golang.org/x/text 0.3.5"
	if err := w.bot.retireAssets(ctx); err != nil {
		t.Fatal(err)
	}
	if is := w.issue(title); is.State != "opened" {
		t.Fatalf("closed while the registry still lists the image: %s", is.State)
	}
	listed(w.clock.Now().Add(time.Hour)) // listed again, without the image
	if err := w.bot.retireAssets(ctx); err != nil {
		t.Fatal(err)
	}
	is := w.issue(title)
	if is.State != "closed" {
		t.Fatalf("issue of a retired asset is %s", is.State)
	}
	notes := strings.Join(w.userNotes(is.IID), "\n")
	if !strings.Contains(notes, "asset retired") {
		t.Errorf("closing note does not say why:\n%s", notes)
	}
}
