package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// scenario is one thing measured for vigil and its peer CLI.
type scenario struct {
	name, peer   string
	vigil, other command
}

type scenarioResult struct {
	name, peer   string
	vigil, other []sample
}

type imageResult struct {
	name, ref, digest   string
	compressedMB        float64
	scenarios           []scenarioResult
	vigilF, grypeF      []string // findings: "id package version"
	vigilC, syftC       []string // SBOM components
	vigilSBOM, syftSBOM string
}

func measureImage(ctx context.Context, o config, bins map[string]string, db, which, ref string, img v1.Image, log *slog.Logger) (*imageResult, error) {
	w := filepath.Join(o.work, "run", which)
	os.RemoveAll(w)
	dirs := map[string]string{}
	for _, d := range []string{"cold-cache", "warm-cache", "vigil-out", "vigil-repeat-out", "vigil-sbom", "peer-out"} {
		dirs[d] = filepath.Join(w, d)
		if err := os.MkdirAll(dirs[d], 0o755); err != nil {
			return nil, err
		}
	}
	grypeEnv := []string{"GRYPE_DB_CACHE_DIR=" + db, "GRYPE_DB_AUTO_UPDATE=false", "GRYPE_DB_VALIDATE_AGE=false",
		"GRYPE_CHECK_FOR_APP_UPDATE=false", "GRYPE_REGISTRY_INSECURE_USE_HTTP=true"}
	syftEnv := []string{"SYFT_CHECK_FOR_APP_UPDATE=false", "SYFT_REGISTRY_INSECURE_USE_HTTP=true"}
	clearCold := func() error {
		os.RemoveAll(dirs["cold-cache"])
		return nil
	}
	vigilScan := func(cache, out string) []string {
		return []string{bins["vigil-measured"], "scan", "--image", ref, "--insecure-registry", "--db", db, "--db-allow-stale",
			"--cache-dir", cache, "--output-dir", out, "-q"}
	}
	grype := command{args: []string{bins["grype"], "registry:" + ref, "-o", "json", "-q"}, env: grypeEnv, stdout: filepath.Join(dirs["peer-out"], "grype.json")}
	syftOut := filepath.Join(dirs["peer-out"], "syft.cdx.json")
	scenarios := []scenario{
		{name: "cold scan", peer: "grype", vigil: command{args: vigilScan(dirs["cold-cache"], dirs["vigil-out"]), before: clearCold}, other: grype},
		{name: "repeat scan, same digest", peer: "grype", vigil: command{args: vigilScan(dirs["warm-cache"], dirs["vigil-repeat-out"])}, other: grype},
		{name: "SBOM only", peer: "syft", vigil: command{
			args:   []string{bins["vigil-measured"], "sbom", "--image", ref, "--insecure-registry", "--cache-dir", dirs["cold-cache"], "--output-dir", dirs["vigil-sbom"], "-q"},
			before: clearCold,
		}, other: command{args: []string{bins["syft"], "registry:" + ref, "-o", "cyclonedx-json=" + syftOut, "-q"}, env: syftEnv}},
	}
	// One unmeasured run of each: warms the page cache and fills warm-cache.
	for _, s := range scenarios {
		for _, c := range []command{s.vigil, s.other} {
			if _, err := measure(ctx, c); err != nil {
				return nil, fmt.Errorf("%s warm-up: %w", s.name, err)
			}
		}
	}
	res := &imageResult{name: which, ref: ref}
	if d, err := img.Digest(); err == nil {
		res.digest = d.String()
	}
	if ls, err := img.Layers(); err == nil {
		for _, l := range ls {
			if n, err := l.Size(); err == nil {
				res.compressedMB += float64(n) / 1e6
			}
		}
	}
	for _, s := range scenarios {
		res.scenarios = append(res.scenarios, scenarioResult{name: s.name, peer: s.peer})
	}
	for i := 0; i < o.reps; i++ {
		for j, s := range scenarios {
			order := []bool{true, false} // vigil first on even repetitions, the peer first on odd ones
			if i%2 == 1 {
				order = []bool{false, true}
			}
			for _, isVigil := range order {
				c := s.other
				if isVigil {
					c = s.vigil
				}
				smp, err := measure(ctx, c)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", s.name, err)
				}
				if isVigil {
					res.scenarios[j].vigil = append(res.scenarios[j].vigil, smp)
				} else {
					res.scenarios[j].other = append(res.scenarios[j].other, smp)
				}
				log.Info("run", "image", which, "scenario", s.name, "tool", map[bool]string{true: "vigil", false: s.peer}[isVigil],
					"wall", smp.wall.Round(1e6), "rss_mb", smp.rssKB/1024)
			}
		}
	}
	var err error
	if res.vigilF, err = vigilFindings(filepath.Join(dirs["vigil-out"], "vigil-findings.json")); err != nil {
		return nil, err
	}
	repeatF, err := vigilFindings(filepath.Join(dirs["vigil-repeat-out"], "vigil-findings.json"))
	if err != nil {
		return nil, err
	}
	if a, b := diff(res.vigilF, repeatF); len(a)+len(b) > 0 {
		return nil, fmt.Errorf("repeat scan found different vulnerabilities than the cold scan: cold only %v, repeat only %v", a, b)
	}
	if res.grypeF, err = grypeFindings(grype.stdout); err != nil {
		return nil, err
	}
	cdx, _ := filepath.Glob(filepath.Join(dirs["vigil-sbom"], "*.cdx.json"))
	if len(cdx) != 1 {
		return nil, fmt.Errorf("vigil sbom wrote %v", cdx)
	}
	res.vigilSBOM, res.syftSBOM = cdx[0], syftOut
	if res.vigilC, err = cdxComponents(cdx[0]); err != nil {
		return nil, err
	}
	if res.syftC, err = cdxComponents(syftOut); err != nil {
		return nil, err
	}
	return res, nil
}
