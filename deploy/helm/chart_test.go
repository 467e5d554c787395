// Package helm tests the bot's Helm chart (deploy/helm/vigil) with the real
// helm CLI: helm lint, and helm template for the value sets a user installs,
// every rendered manifest decoded strictly into client-go's typed objects.
package helm

import (
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestChartLints(t *testing.T) {
	for _, values := range [][]string{nil, {"-f", "testdata/postgres.yaml"}, {"-f", "testdata/ingress.yaml"}, {"-f", "testdata/files.yaml"}} {
		if out, stderr, err := helm(t, append([]string{"lint", "--strict", chart}, values...)...); err != nil {
			t.Errorf("helm lint %v: %v\n%s%s", values, err, out, stderr)
		}
	}
}

// The default install: one process on SQLite, in a kept PVC, replaced by
// Recreate so two processes never open the file.
func TestDefaultIsOneSQLiteProcess(t *testing.T) {
	m := render(t)
	d := m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %v, strategy %q; want 1, Recreate", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	pvc := m.get(t, "PersistentVolumeClaim", "rel-vigil-data").(*corev1.PersistentVolumeClaim)
	if pvc.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("the ledger's claim is deleted on uninstall: %v", pvc.Annotations)
	}
	pod := d.Spec.Template.Spec
	if v := volume(t, pod, "data"); v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != pvc.Name {
		t.Errorf("data volume %+v, want the claim %s", v.VolumeSource, pvc.Name)
	}
	c := bot(t, d)
	if dir := filepath.Dir(env(t, c, "VIGIL_DATA").Value); mount(c, dir) != "data" {
		t.Errorf("VIGIL_DATA's directory %s is not the data volume", dir)
	}
	if e := findEnv(c, "VIGIL_DATABASE_URL"); e != nil {
		t.Errorf("SQLite mode sets VIGIL_DATABASE_URL: %+v", e)
	}
	for name, key := range map[string]string{"VIGIL_GITLAB_TOKEN": "gitlab-token", "VIGIL_WEBHOOK_SECRETS": "webhook-secret", "VIGIL_MARKER_KEY": "marker-key"} {
		checkSecretEnv(t, c, name, "vigil", key)
	}
	for _, unset := range []string{"VIGIL_API_TOKEN", "VIGIL_WEBHOOK_SCOPED_SECRETS"} {
		if findEnv(c, unset) != nil {
			t.Errorf("%s set without a Secret named for it", unset)
		}
	}
	checkServing(t, m, d)
	checkLocked(t, d)
	if len(m) != 4 { // ServiceAccount, PVC, Service, Deployment
		t.Errorf("rendered %v", keys(m))
	}
}

// Replicas on PostgreSQL: the URL from its Secret, a rolling update, no PVC.
func TestReplicasOnPostgreSQL(t *testing.T) {
	m := render(t, "-f", "testdata/postgres.yaml")
	d := m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Errorf("replicas %v, strategy %q; want 3, RollingUpdate", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	c := bot(t, d)
	checkSecretEnv(t, c, "VIGIL_DATABASE_URL", "vigil-db", "database-url")
	checkSecretEnv(t, c, "VIGIL_API_TOKEN", "vigil", "api-token")
	if got := env(t, c, "VIGIL_GITLAB_URL").Value; got != "https://gitlab.example.com" {
		t.Errorf("VIGIL_GITLAB_URL %q", got)
	}
	if _, ok := m["PersistentVolumeClaim/rel-vigil-data"]; ok {
		t.Error("a PVC rendered for replicas on PostgreSQL")
	}
	if v := volume(t, d.Spec.Template.Spec, "data"); v.EmptyDir == nil {
		t.Errorf("data volume %+v, want an emptyDir", v.VolumeSource)
	}
	checkServing(t, m, d)
}

// The Ingress routes GitLab's webhook path, and only it, to the Service.
func TestIngressRoutesTheWebhook(t *testing.T) {
	m := render(t, "-f", "testdata/ingress.yaml")
	in := m.get(t, "Ingress", "rel-vigil").(*networkingv1.Ingress)
	if in.Spec.IngressClassName == nil || *in.Spec.IngressClassName != "nginx" || len(in.Spec.TLS) != 1 || in.Spec.TLS[0].SecretName != "vigil-tls" {
		t.Errorf("class %v, tls %+v", in.Spec.IngressClassName, in.Spec.TLS)
	}
	if len(in.Spec.Rules) != 1 || in.Spec.Rules[0].Host != "vigil.example.com" || len(in.Spec.Rules[0].HTTP.Paths) != 1 {
		t.Fatalf("rules %+v", in.Spec.Rules)
	}
	p := in.Spec.Rules[0].HTTP.Paths[0]
	svc := m.get(t, "Service", "rel-vigil").(*corev1.Service)
	if p.Path != "/webhooks/gitlab" || p.PathType == nil || *p.PathType != networkingv1.PathTypeExact ||
		p.Backend.Service.Name != svc.Name || p.Backend.Service.Port.Name != svc.Spec.Ports[0].Name {
		t.Errorf("path %+v backend %+v; want /webhooks/gitlab (Exact) to %s:%s", p, p.Backend.Service, svc.Name, svc.Spec.Ports[0].Name)
	}
	if _, ok := render(t)["Ingress/rel-vigil"]; ok {
		t.Error("an Ingress rendered by default")
	}
}

// Settings, policy and inventory are files of one ConfigMap the bot is
// pointed at; changing one rolls the pods; the inventory may list the
// cluster through its own service account.
func TestFilesAndInventoryRBAC(t *testing.T) {
	m := render(t, "-f", "testdata/files.yaml")
	d := m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	c := bot(t, d)
	cm := m.get(t, "ConfigMap", "rel-vigil").(*corev1.ConfigMap)
	for variable, file := range map[string]string{"VIGIL_CONFIG": "config.yml", "VIGIL_POLICY": "sla.yml", "VIGIL_INVENTORY": "inventory.yml"} {
		path := env(t, c, variable).Value
		if filepath.Base(path) != file || mount(c, filepath.Dir(path)) != "config" || cm.Data[file] == "" {
			t.Errorf("%s=%s, not the ConfigMap's %s mounted: %v", variable, path, file, c.VolumeMounts)
		}
	}
	if !strings.Contains(cm.Data["config.yml"], "sweep_interval: 30m") || !strings.Contains(cm.Data["sla.yml"], "tier: production") {
		t.Errorf("config map %v", cm.Data)
	}
	sum := d.Spec.Template.Annotations["checksum/config"]
	other := render(t, "-f", "testdata/files.yaml", "--set", "config.workers=2").get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	if sum == "" || other.Spec.Template.Annotations["checksum/config"] == sum {
		t.Errorf("a changed setting does not roll the pods: %q", sum)
	}
	pod := d.Spec.Template.Spec
	crb := m.get(t, "ClusterRoleBinding", "rel-vigil-inventory").(*rbacv1.ClusterRoleBinding)
	if len(crb.Subjects) != 1 || crb.Subjects[0].Name != pod.ServiceAccountName || crb.Subjects[0].Namespace != "vigil" ||
		pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Errorf("binding %+v for service account %s (token mounted: %v)", crb.Subjects, pod.ServiceAccountName, pod.AutomountServiceAccountToken)
	}
	role := m.get(t, "ClusterRole", "rel-vigil-inventory").(*rbacv1.ClusterRole)
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" {
				t.Errorf("the inventory's role may %s %v", v, r.Resources)
			}
		}
	}
}

// Settings that cannot work stop helm template (and install) with the
// chart's message.
func TestChartRefuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "replicas=3"}, "replicas: 3 needs database.secret.name"},
		{[]string{"--set", "secrets.markerKey.name="}, "secrets.markerKey.name"},
		{[]string{"--set", "secrets.webhookSecret.name="}, "secrets.webhookSecret.name or secrets.scopedWebhookSecrets.name"},
	} {
		// helm lint only logs a template's fail; template (and install) stop on it.
		out, stderr, err := helm(t, append([]string{"template", "rel", chart}, c.args...)...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("helm template %v: %v, want an error saying %q:\n%s%s", c.args, err, c.want, out, stderr)
		}
	}
	// Scoped secrets alone are enough.
	m := render(t, "--set", "secrets.webhookSecret.name=", "--set", "secrets.scopedWebhookSecrets.name=scoped")
	checkSecretEnv(t, bot(t, m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)), "VIGIL_WEBHOOK_SCOPED_SECRETS", "scoped", "scoped-webhook-secrets")
}

// checkServing: the probes ask /healthz and /readyz on the port the bot
// listens on, the Service and Prometheus reach that port, /metrics.
func checkServing(t *testing.T, m manifests, d *appsv1.Deployment) {
	t.Helper()
	c := bot(t, d)
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" {
		t.Fatalf("ports %+v", c.Ports)
	}
	port := c.Ports[0].ContainerPort
	if got := env(t, c, "VIGIL_LISTEN").Value; got != ":"+itoa(port) {
		t.Errorf("VIGIL_LISTEN %q, container port %d", got, port)
	}
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "http" {
			t.Errorf("probe %+v, want GET %s on http", probe, want)
		}
	}
	ann := d.Spec.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != itoa(port) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("scrape annotations %v", ann)
	}
	svc := m.get(t, "Service", "rel-vigil").(*corev1.Service)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("service ports %+v", svc.Spec.Ports)
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, the pods are %v", k, v, d.Spec.Template.Labels)
		}
	}
}

// checkLocked: non-root, read-only root file system, and every path the
// bot writes is a volume.
func checkLocked(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod, c := d.Spec.Template.Spec, bot(t, d)
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 || psc.FSGroup == nil {
		t.Errorf("pod security context %+v", psc)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container security context %+v", sc)
	}
	for _, dir := range []string{"/var/lib/vigil", "/tmp", "/home/vigil"} { // data, scratch, the go command's HOME
		if mount(c, dir) == "" {
			t.Errorf("%s is not writable: no volume is mounted there", dir)
		}
	}
	if c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
}

// A claim of the user's own is used as it is; without persistence the
// data is an emptyDir, still for one process replaced by Recreate.
func TestDataVolumeChoices(t *testing.T) {
	m := render(t, "--set", "persistence.existingClaim=ledger")
	if _, ok := m["PersistentVolumeClaim/rel-vigil-data"]; ok {
		t.Error("a PVC rendered beside an existing claim")
	}
	d := m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	if v := volume(t, d.Spec.Template.Spec, "data"); v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "ledger" {
		t.Errorf("data volume %+v, want the claim ledger", v.VolumeSource)
	}
	m = render(t, "--set", "persistence.enabled=false")
	d = m.get(t, "Deployment", "rel-vigil").(*appsv1.Deployment)
	if v := volume(t, d.Spec.Template.Spec, "data"); v.EmptyDir == nil || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("data volume %+v, strategy %s", v.VolumeSource, d.Spec.Strategy.Type)
	}
}
