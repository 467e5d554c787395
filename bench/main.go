package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// syftVersion is the syft CLI compared against: the one grype v0.121.2 links.
const syftVersion = "v1.57.0"

func main() {
	var o config
	flag.StringVar(&o.work, "work", filepath.Join(os.TempDir(), "vigil-bench"), "work directory; the rootfs, npm tree, DB and tools are reused from it")
	flag.IntVar(&o.reps, "reps", 5, "measured repetitions of each scenario per tool")
	flag.StringVar(&o.out, "out", "", "also write the Markdown results to this file")
	flag.StringVar(&o.images, "images", "large,small", "images to measure: large, small, mixed")
	scenarios := flag.String("scenarios", "cold,repeat,sbom,rebuilt", "scenarios to measure: cold, repeat, sbom, rebuilt (large and mixed images only)")
	flag.BoolVar(&o.rematch, "rematch", true, "run the re-matching benchmark (go test -bench Rematch in ci/scan)")
	flag.StringVar(&o.label, "label", "", "what the measured vigil is, for the heading of the results (e.g. \"before the SBOM cache\")")
	flag.BoolVar(&o.bot, "bot", true, "measure the bot: API calls per ingest and webhook acknowledgement latency under load")
	flag.IntVar(&o.botRate, "bot-rate", 200, "webhook deliveries per second")
	flag.DurationVar(&o.botDuration, "bot-duration", time.Minute, "how long the webhook load lasts")
	flag.IntVar(&o.botFindings, "bot-findings", 100, "findings in the first ingest")
	flag.StringVar(&o.vigil, "vigil", "", "measure this vigil binary instead of building one from the tree (e.g. an older build, for before/after)")
	flag.Parse()
	o.scenarios = map[string]bool{}
	for _, k := range splitList(*scenarios) {
		o.scenarios[k] = true
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	if err := run(ctx, o, log); err != nil {
		log.Error("bench failed", "err", err)
		os.Exit(1)
	}
}

type config struct {
	work, out, images, vigil, label string
	reps                            int
	rematch, bot                    bool
	botRate, botFindings            int
	botDuration                     time.Duration
	scenarios                       map[string]bool
}

func run(ctx context.Context, o config, log *slog.Logger) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "npm", "package-lock.json")); err != nil {
		return fmt.Errorf("run from the vigil repository root: %w", err)
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	bins, err := tools(ctx, root, o.work, log)
	if err != nil {
		return err
	}
	if o.vigil != "" {
		bins["vigil-measured"] = o.vigil
	} else {
		bins["vigil-measured"] = bins["vigil"]
	}
	db := filepath.Join(o.work, "db")
	if err := buildDB(ctx, root, bins["vigil"], db, log); err != nil {
		return err
	}
	host, err := serveRegistry(ctx, filepath.Join(o.work, "registry"))
	if err != nil {
		return err
	}
	res := &results{machine: machine(), reps: o.reps, started: time.Now().UTC(), label: o.label, command: shellWords(os.Args[1:])}
	for _, which := range splitList(o.images) {
		t, err := prepareTarget(ctx, root, o, bins, host, which, log)
		if err != nil {
			return err
		}
		log.Info("measuring", "image", t.ref)
		ir, err := measureImage(ctx, o, bins, db, t, log)
		if err != nil {
			return err
		}
		res.images = append(res.images, ir)
	}
	if o.rematch {
		log.Info("re-matching benchmark")
		if res.rematch, err = rematch(ctx, root, o.work, bins, res.images, log); err != nil {
			return err
		}
	}
	if o.bot {
		log.Info("bot benchmark")
		if res.bot, err = benchBot(ctx, o, bins, log); err != nil {
			return err
		}
	}
	md := res.markdown()
	fmt.Print(md)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(md), 0o644)
	}
	return nil
}

// prepareTarget builds the image named which, pushes it to the bench's
// registry, and with the rebuilt scenario pushes its rebuild too.
func prepareTarget(ctx context.Context, root string, o config, bins map[string]string, host, which string, log *slog.Logger) (target, error) {
	var img v1.Image
	var err error
	keep := 0 // layers a rebuild keeps; 0: no rebuilt scenario
	switch which {
	case "large":
		log.Info("building the large image")
		img, err = largeImage(ctx, root, o.work, bins, log)
		if err == nil {
			err = writeLayout(filepath.Join(o.work, "large-oci"), img)
		}
		keep = 3 // all: the rebuild adds its Go program on top
	case "mixed":
		log.Info("building the mixed image")
		img, err = mixedImage(ctx, root, o.work, log)
		if err == nil {
			err = writeLayout(filepath.Join(o.work, "mixed-oci"), img)
		}
		keep = 3 // all but the Go program, which the rebuild replaces
	case "small":
		img, err = smallImage(ctx, root)
	default:
		err = fmt.Errorf("unknown image %q", which)
	}
	if err != nil {
		return target{}, err
	}
	t := target{which: which, img: img}
	if t.ref, err = push(ctx, host, "bench/"+which+":1.0", img); err != nil {
		return target{}, err
	}
	if keep > 0 && o.scenarios["rebuilt"] {
		rebuilt, err := rebuiltImage(ctx, root, o.work, img, keep)
		if err != nil {
			return target{}, fmt.Errorf("rebuild %s image: %w", which, err)
		}
		if t.rebuiltRef, err = push(ctx, host, "bench/"+which+":1.1", rebuilt); err != nil {
			return target{}, err
		}
	}
	return t, nil
}

// tools builds vigil from this tree, the grype CLI from the module graph and
// the syft CLI at the version grype links.
func tools(ctx context.Context, root, work string, log *slog.Logger) (map[string]string, error) {
	bin := filepath.Join(work, "bin")
	bins := map[string]string{"vigil": filepath.Join(bin, "vigil"), "grype": filepath.Join(bin, "grype"), "syft": filepath.Join(bin, "syft")}
	log.Info("building vigil and grype")
	for _, b := range [][]string{
		{"build", "-trimpath", "-o", bins["vigil"], "./cmd/vigil"},
		{"build", "-trimpath", "-o", bins["grype"], "github.com/anchore/grype/cmd/grype"},
	} {
		cmd := exec.CommandContext(ctx, "go", b...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go %v: %w\n%s", b, err, out)
		}
	}
	if _, err := os.Stat(bins["syft"]); err != nil {
		log.Info("building syft " + syftVersion)
		cmd := exec.CommandContext(ctx, "go", "install", "github.com/anchore/syft/cmd/syft@"+syftVersion)
		cmd.Dir = work // outside this module: syft's own go.mod
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go install syft: %w\n%s", err, out)
		}
	}
	return bins, nil
}

// buildDB builds the full Go vulndb plus testdata's OS, GHSA, KEV and EPSS
// records with `vigil db build`, unless a DB younger than a day is there.
func buildDB(ctx context.Context, root, vigil, db string, log *slog.Logger) error {
	if fi, err := os.Stat(filepath.Join(db, "6", "vulnerability.db")); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return nil
	}
	log.Info("vigil db build", "out", db)
	vd := filepath.Join(root, "testdata", "vulndata")
	cmd := exec.CommandContext(ctx, vigil, "db", "build", "--go-vulndb",
		"--os", filepath.Join(vd, "os"), "--ghsa", filepath.Join(vd, "ghsa"),
		"--kev", filepath.Join(vd, "kev", "known_exploited_vulnerabilities.json"),
		"--epss", filepath.Join(vd, "epss", "epss_scores.csv"), "--out", db)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vigil db build: %w\n%s", err, out)
	}
	return nil
}

// serveRegistry runs go-containerregistry's registry on loopback, blobs on disk.
func serveRegistry(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithBlobHandler(registry.NewDiskBlobHandler(dir)))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() { <-ctx.Done(); srv.Close() }()
	return ln.Addr().String(), nil
}

func push(ctx context.Context, host, repo string, img v1.Image) (string, error) {
	ref, err := name.ParseReference(host+"/"+repo, name.Insecure)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return ref.String(), nil
}

// shellWords joins args so that the recorded command can be pasted back.
func shellWords(args []string) string {
	var out []string
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$()") {
			a = strconv.Quote(a)
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}
