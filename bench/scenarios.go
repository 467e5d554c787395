package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// scenario is one thing measured for vigil and its peer CLI.
type scenario struct {
	key, name, peer string // key is what -scenarios selects
	vigil, other    command
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
	// rebuilt image: vigil's scan after the original's, and grype's
	rebuiltF, grypeRebuiltF []string
}

// target is an image to measure and, for the rebuilt scenario, its rebuild.
type target struct {
	which, ref, rebuiltRef string
	img                    v1.Image
}

func measureImage(ctx context.Context, o config, bins map[string]string, db string, t target, log *slog.Logger) (*imageResult, error) {
	w := filepath.Join(o.work, "run", t.which)
	os.RemoveAll(w)
	dirs, err := workDirs(w)
	if err != nil {
		return nil, err
	}
	pl := plan{bins: bins, db: db, dirs: dirs}
	all := pl.scenarios(t.ref)
	if t.rebuiltRef != "" {
		s, err := pl.rebuilt(ctx, w, t)
		if err != nil {
			return nil, err
		}
		all = append(all, s)
	}
	var scenarios []scenario
	for _, s := range all {
		if o.scenarios[s.key] {
			scenarios = append(scenarios, s)
		}
	}
	// One unmeasured run of each: warms the page cache and fills warm-cache.
	for _, s := range scenarios {
		for _, c := range []command{s.vigil, s.other} {
			if _, err := measure(ctx, c); err != nil {
				return nil, fmt.Errorf("%s warm-up: %w", s.name, err)
			}
		}
	}
	res := newImageResult(t, scenarios)
	for i := 0; i < o.reps; i++ {
		for j, s := range scenarios {
			if err := res.measureOnce(ctx, i, j, s, t.which, log); err != nil {
				return nil, err
			}
		}
	}
	return res, res.readFindings(o, dirs, pl.grypeOut(), pl.syftOut())
}

// workDirs makes the directories one image's runs write to, by name.
func workDirs(w string) (map[string]string, error) {
	dirs := map[string]string{}
	for _, d := range []string{"cold-cache", "warm-cache", "vigil-out", "vigil-repeat-out", "vigil-sbom", "peer-out",
		"rebuilt-base", "rebuilt-cache", "rebuilt-cold-cache", "vigil-rebuilt-out", "vigil-rebuilt-cold-out"} {
		dirs[d] = filepath.Join(w, d)
		if err := os.MkdirAll(dirs[d], 0o755); err != nil {
			return nil, err
		}
	}
	return dirs, nil
}

// plan is what the scenarios of one image are made of: the binaries, the
// vulnerability DB and the work directories.
type plan struct {
	bins map[string]string
	db   string
	dirs map[string]string
}

func (pl plan) grypeEnv() []string {
	return []string{"GRYPE_DB_CACHE_DIR=" + pl.db, "GRYPE_DB_AUTO_UPDATE=false", "GRYPE_DB_VALIDATE_AGE=false",
		"GRYPE_CHECK_FOR_APP_UPDATE=false", "GRYPE_REGISTRY_INSECURE_USE_HTTP=true"}
}

func (pl plan) grypeOut() string { return filepath.Join(pl.dirs["peer-out"], "grype.json") }
func (pl plan) syftOut() string  { return filepath.Join(pl.dirs["peer-out"], "syft.cdx.json") }

func (pl plan) vigilScan(ref, cache, out string) []string {
	return []string{pl.bins["vigil-measured"], "scan", "--image", ref, "--insecure-registry", "--db", pl.db, "--db-allow-stale",
		"--cache-dir", cache, "--output-dir", out, "-q"}
}

// scenarios are the cold, repeat and SBOM-only runs of ref.
func (pl plan) scenarios(ref string) []scenario {
	dirs := pl.dirs
	clearCold := func() error {
		os.RemoveAll(dirs["cold-cache"])
		return nil
	}
	grype := command{args: []string{pl.bins["grype"], "registry:" + ref, "-o", "json", "-q"}, env: pl.grypeEnv(), stdout: pl.grypeOut()}
	syftEnv := []string{"SYFT_CHECK_FOR_APP_UPDATE=false", "SYFT_REGISTRY_INSECURE_USE_HTTP=true"}
	return []scenario{
		{key: "cold", name: "cold scan", peer: "grype", vigil: command{args: pl.vigilScan(ref, dirs["cold-cache"], dirs["vigil-out"]), before: clearCold}, other: grype},
		{key: "repeat", name: "repeat scan, same digest", peer: "grype", vigil: command{args: pl.vigilScan(ref, dirs["warm-cache"], dirs["vigil-repeat-out"])}, other: grype},
		{key: "sbom", name: "SBOM only", peer: "syft", vigil: command{
			args:   []string{pl.bins["vigil-measured"], "sbom", "--image", ref, "--insecure-registry", "--cache-dir", dirs["cold-cache"], "--output-dir", dirs["vigil-sbom"], "-q"},
			before: clearCold,
		}, other: command{args: []string{pl.bins["syft"], "registry:" + ref, "-o", "cyclonedx-json=" + pl.syftOut(), "-q"}, env: syftEnv}},
	}
}

// rebuilt is the rebuilt-image scenario, after its unmeasured setup runs.
func (pl plan) rebuilt(ctx context.Context, w string, t target) (scenario, error) {
	dirs := pl.dirs
	// Each run starts from the cache as the scan of the original left
	// it (a copy of links: the files are never written in place).
	fromBase := func() error {
		os.RemoveAll(dirs["rebuilt-cache"])
		return linkTree(dirs["rebuilt-base"], dirs["rebuilt-cache"])
	}
	s := scenario{key: "rebuilt", name: "rebuilt image", peer: "grype",
		vigil: command{args: pl.vigilScan(t.rebuiltRef, dirs["rebuilt-cache"], dirs["vigil-rebuilt-out"]), before: fromBase},
		other: command{args: []string{pl.bins["grype"], "registry:" + t.rebuiltRef, "-o", "json", "-q"}, env: pl.grypeEnv(),
			stdout: filepath.Join(dirs["peer-out"], "grype-rebuilt.json")}}
	// Unmeasured: the original scanned once, and a cold scan of the
	// rebuild that the rebuilt scenario's findings must equal.
	for _, c := range []command{
		{args: pl.vigilScan(t.ref, dirs["rebuilt-base"], filepath.Join(w, "vigil-base-out"))},
		{args: pl.vigilScan(t.rebuiltRef, dirs["rebuilt-cold-cache"], dirs["vigil-rebuilt-cold-out"])},
	} {
		if _, err := measure(ctx, c); err != nil {
			return scenario{}, fmt.Errorf("rebuilt image setup: %w", err)
		}
	}
	return s, nil
}

func newImageResult(t target, scenarios []scenario) *imageResult {
	res := &imageResult{name: t.which, ref: t.ref}
	if d, err := t.img.Digest(); err == nil {
		res.digest = d.String()
	}
	if ls, err := t.img.Layers(); err == nil {
		for _, l := range ls {
			if n, err := l.Size(); err == nil {
				res.compressedMB += float64(n) / 1e6
			}
		}
	}
	for _, s := range scenarios {
		res.scenarios = append(res.scenarios, scenarioResult{name: s.name, peer: s.peer})
	}
	return res
}

// measureOnce runs scenario j (s) once for each tool, in repetition i:
// vigil first on even repetitions, the peer first on odd ones.
func (res *imageResult) measureOnce(ctx context.Context, i, j int, s scenario, which string, log *slog.Logger) error {
	order := []bool{true, false}
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
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if isVigil {
			res.scenarios[j].vigil = append(res.scenarios[j].vigil, smp)
		} else {
			res.scenarios[j].other = append(res.scenarios[j].other, smp)
		}
		log.Info("run", "image", which, "scenario", s.name, "tool", map[bool]string{true: "vigil", false: s.peer}[isVigil],
			"wall", smp.wall.Round(1e6), "rss_mb", smp.rssKB/1024)
	}
	return nil
}

// readFindings reads what the measured runs wrote and fails the bench when
// a cached scan found other vulnerabilities than a cold one.
func (res *imageResult) readFindings(o config, dirs map[string]string, grypeOut, syftOut string) error {
	var err error
	if o.scenarios["cold"] {
		if res.vigilF, err = vigilFindings(filepath.Join(dirs["vigil-out"], "vigil-findings.json")); err != nil {
			return err
		}
		if res.grypeF, err = grypeFindings(grypeOut); err != nil {
			return err
		}
	}
	if o.scenarios["repeat"] && o.scenarios["cold"] {
		repeatF, err := vigilFindings(filepath.Join(dirs["vigil-repeat-out"], "vigil-findings.json"))
		if err != nil {
			return err
		}
		if a, b := diff(res.vigilF, repeatF); len(a)+len(b) > 0 {
			return fmt.Errorf("repeat scan found different vulnerabilities than the cold scan: cold only %v, repeat only %v", a, b)
		}
	}
	if o.scenarios["rebuilt"] && res.scenarios != nil {
		coldF, err := vigilFindings(filepath.Join(dirs["vigil-rebuilt-cold-out"], "vigil-findings.json"))
		if err != nil {
			return err
		}
		if res.rebuiltF, err = vigilFindings(filepath.Join(dirs["vigil-rebuilt-out"], "vigil-findings.json")); err != nil {
			return err
		}
		if a, b := diff(coldF, res.rebuiltF); len(a)+len(b) > 0 {
			return fmt.Errorf("rebuilt image scanned after the original found other vulnerabilities than a cold scan of it: cold only %v, after only %v", a, b)
		}
		if res.grypeRebuiltF, err = grypeFindings(filepath.Join(dirs["peer-out"], "grype-rebuilt.json")); err != nil {
			return err
		}
	}
	if o.scenarios["sbom"] {
		cdx, _ := filepath.Glob(filepath.Join(dirs["vigil-sbom"], "*.cdx.json"))
		if len(cdx) != 1 {
			return fmt.Errorf("vigil sbom wrote %v", cdx)
		}
		res.vigilSBOM, res.syftSBOM = cdx[0], syftOut
		if res.vigilC, err = cdxComponents(cdx[0]); err != nil {
			return err
		}
		if res.syftC, err = cdxComponents(syftOut); err != nil {
			return err
		}
	}
	return nil
}

// linkTree recreates the tree at src under dst with hard links.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return os.Link(p, target)
	})
}
