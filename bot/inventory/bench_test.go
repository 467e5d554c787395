package inventory_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/google"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	gl "gitlab.com/gitlab-org/api/client-go"
	corev1 "k8s.io/api/core/v1"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/ecr"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gar"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gitlab"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/kube"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/oci"
	"gitlab.com/vigil-vm/vigil/internal/ecrtest"
	"gitlab.com/vigil-vm/vigil/internal/gartest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// How the 10,000 digests are spread: real registries (ggcr's pkg/registry,
// one HEAD per tag) for the OCI and GitLab sources, the stand-ins speaking
// ECR's and GAR's APIs, and a cluster whose pods run digests of their own.
const (
	ociDigests    = 2000
	gitlabDigests = 1000
	ecrDigests    = 3000
	garDigests    = 2000
	podDigests    = 2000
)

// tiny is a distinct image of one config blob and no layers: pushing
// thousands stays cheap while every tag still has its own digest.
func tiny(b *testing.B, i int) v1.Image {
	img, err := mutate.Config(empty.Image, v1.Config{Labels: map[string]string{"n": fmt.Sprint(i)}})
	if err != nil {
		b.Fatal(err)
	}
	return img
}

func pushMany(b *testing.B, reg *registrytest.Registry, repos []string, first, n int) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := first; i < first+n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := reg.Write(fmt.Sprintf("%s:t%d", repos[i%len(repos)], i), tiny(b, i)); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

func benchSources(b *testing.B) []inventory.Source {
	ociReg := registrytest.New(b)
	var ociRepos []string
	for i := range 20 {
		ociRepos = append(ociRepos, fmt.Sprintf("team%d/app", i))
	}
	pushMany(b, ociReg, ociRepos, 0, ociDigests)

	glReg := registrytest.New(b)
	double := gitlabdouble.NewTest(b, gitlabdouble.WithContainerRegistry(glReg.Host))
	bot, token := double.AddUser("vigil-inventory", gitlabdouble.NoAccess)
	var glRepos []string
	for i := range 10 {
		p := fmt.Sprintf("payments/svc%d", i)
		double.AddProject(gitlabdouble.ProjectSpec{Path: p, Members: map[int]gitlabdouble.AccessLevel{bot.ID: gitlabdouble.Reporter}})
		glRepos = append(glRepos, p)
	}
	pushMany(b, glReg, glRepos, ociDigests, gitlabDigests)
	client, err := gl.NewClient(token, gl.WithBaseURL(double.APIURL()))
	if err != nil {
		b.Fatal(err)
	}

	ecrSrv := ecrtest.New(b)
	for i := range ecrDigests {
		ecrSrv.Add(fmt.Sprintf("svc%d", i%30), ecrtest.Image{Digest: fmt.Sprintf("sha256:%064x", 1_000_000+i), Tags: []string{fmt.Sprint(i)}, PushedAt: time.Now()})
	}
	awsCfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "not-a-secret", "")}

	garSrv := gartest.New(b)
	for i := range garDigests {
		garSrv.Add(fmt.Sprintf("acme/images/svc%d", i%20), fmt.Sprintf("sha256:%064x", 2_000_000+i), google.ManifestInfo{Tags: []string{fmt.Sprint(i)}, Uploaded: time.Now()})
	}

	var pods []corev1.Pod
	for i := range podDigests {
		pods = append(pods, kubetest.RunningPod(fmt.Sprintf("ns%d", i%40), fmt.Sprintf("pod-%d", i), "main",
			"ghcr.io/acme/svc:1", fmt.Sprintf("ghcr.io/acme/svc@sha256:%064x", 3_000_000+i)))
	}
	kc, err := kube.NewClient(kubetest.New(b, kubetest.Cluster{Pods: pods}).Kubeconfig(b, "bench"), "", false)
	if err != nil {
		b.Fatal(err)
	}

	return []inventory.Source{
		oci.New(oci.Config{Name: "oci", Registry: ociReg.Host, Insecure: true, Keychain: authn.NewMultiKeychain()}),
		gitlab.New(gitlab.Config{Name: "gitlab", Client: client, Group: "payments", Token: token, Insecure: true}),
		ecr.New(ecr.Config{Name: "ecr", Client: ecr.NewClient(awsCfg, ecrSrv.URL)}),
		gar.New(gar.Config{Name: "gar", Roots: []string{garSrv.Host + "/acme/images"}, Insecure: true, Keychain: authn.NewMultiKeychain()}),
		kube.New(kube.Config{Name: "cluster", Client: kc}),
	}
}

// BenchmarkInventory10k lists 10,000 digests across five sources on
// loopback, the sources four at a time, and reports digests per second and
// each source's share.
func BenchmarkInventory10k(b *testing.B) {
	sources := benchSources(b)
	want := ociDigests + gitlabDigests + ecrDigests + garDigests + podDigests
	var took time.Duration
	var last []inventory.Result
	for b.Loop() {
		start := time.Now()
		last = inventory.List(context.Background(), sources, 4)
		took = time.Since(start)
	}
	digests := map[string]bool{}
	var per []string
	for _, r := range last {
		if r.Err != nil {
			b.Fatalf("%s: %v", r.Source, r.Err)
		}
		for _, a := range r.Assets {
			digests[a.Digest] = true
		}
		per = append(per, fmt.Sprintf("%s %d in %s", r.Source, len(r.Assets), r.Took.Round(time.Millisecond)))
	}
	if len(digests) != want {
		b.Fatalf("listed %d distinct digests, want %d", len(digests), want)
	}
	b.ReportMetric(float64(len(digests)), "digests")
	b.ReportMetric(float64(len(digests))/took.Seconds(), "digests/s")
	b.Logf("%d digests in %s: %s", len(digests), took.Round(time.Millisecond), strings.Join(per, ", "))
}
