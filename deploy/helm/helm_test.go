package helm

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

const chart = "vigil"

// helmCLI finds helm where .ci/test installs it (.cache/bin) or on PATH.
// Under CI a missing helm fails the test; elsewhere it skips.
func helmCLI(t *testing.T) string {
	t.Helper()
	if p, err := filepath.Abs(filepath.Join("..", "..", ".cache", "bin", "helm")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	const how = "helm not found in .cache/bin or on PATH: GOBIN=$PWD/.cache/bin go install helm.sh/helm/v3/cmd/helm@v3.22.0 (.ci/test does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// helm runs the CLI with its own empty config, cache and data homes.
func helm(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(helmCLI(t), args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home+"/config", "HELM_CACHE_HOME="+home+"/cache",
		"HELM_DATA_HOME="+home+"/data", "KUBECONFIG="+home+"/kubeconfig")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// manifests is one rendering, by kind and name.
type manifests map[string]runtime.Object

func (m manifests) get(t *testing.T, kind, name string) runtime.Object {
	t.Helper()
	o, ok := m[kind+"/"+name]
	if !ok {
		t.Fatalf("no %s %s rendered; have %v", kind, name, keys(m))
	}
	return o
}

func keys(m manifests) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// strict refuses unknown and duplicate fields: a key at the wrong level of
// a template is an error here, not a setting the cluster silently drops.
var strict = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// render runs helm template with args and decodes every document.
func render(t *testing.T, args ...string) manifests {
	t.Helper()
	out, stderr, err := helm(t, append([]string{"template", "rel", chart, "--namespace", "vigil"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, stderr)
	}
	m := manifests{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(out)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			t.Fatalf("split the rendering: %v", err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, gvk, err := strict.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decode a rendered manifest: %v\n%s", err, doc)
		}
		name := obj.(interface{ GetName() string }).GetName()
		m[gvk.Kind+"/"+name] = obj
	}
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func bot(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "bot" {
			if len(c.Args) != 1 || c.Args[0] != "bot" {
				t.Errorf("bot container runs %v", c.Args)
			}
			return c
		}
	}
	t.Fatalf("no bot container in %+v", d.Spec.Template.Spec.Containers)
	return corev1.Container{}
}

func findEnv(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func env(t *testing.T, c corev1.Container, name string) corev1.EnvVar {
	t.Helper()
	e := findEnv(c, name)
	if e == nil {
		t.Fatalf("%s not set: %+v", name, c.Env)
	}
	return *e
}

func checkSecretEnv(t *testing.T, c corev1.Container, name, secret, key string) {
	t.Helper()
	e := env(t, c, name)
	if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
		e.ValueFrom.SecretKeyRef.Name != secret || e.ValueFrom.SecretKeyRef.Key != key {
		t.Errorf("%s = %+v, want Secret %s key %s", name, e, secret, key)
	}
}

// mount names the volume mounted at dir, or "".
func mount(c corev1.Container, dir string) string {
	for _, m := range c.VolumeMounts {
		if m.MountPath == dir {
			return m.Name
		}
	}
	return ""
}

func volume(t *testing.T, pod corev1.PodSpec, name string) corev1.Volume {
	t.Helper()
	for _, v := range pod.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %s", name)
	return corev1.Volume{}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
