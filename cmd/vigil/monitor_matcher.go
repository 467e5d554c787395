package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/format"

	"gitlab.com/vigil-vm/vigil/bot/monitor"
	cimatch "gitlab.com/vigil-vm/vigil/ci/match"
	cimonitor "gitlab.com/vigil-vm/vigil/ci/monitor"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// dbMatcher is the bot's monitor.Matcher, made of ci/monitor: it watches
// one DB directory (or grype's online DB when db.Dir is ""), keeps a copy
// of every build it hands out under builds (a new build replaces the old
// one in place, and the next diff needs both), and matches stored SBOMs
// against the build they are asked for, kept open between batches.
type dbMatcher struct {
	db     vulndb.OpenOptions
	builds string

	mu      sync.Mutex
	current string // checksum of the open build
	vp      vulnerability.Provider
	matcher *cimonitor.Matcher // over vp: its memo of package answers serves every SBOM of the build
}

var _ monitor.Matcher = (*dbMatcher)(nil)

func newDBMatcher(db vulndb.OpenOptions, builds string) *dbMatcher {
	db.AllowStale = true  // monitoring reports what a build says, however old; the check finds newer ones
	db.CheckAlways = true // online, each check asks the listing: the interval is the monitor's
	return &dbMatcher{db: db, builds: builds}
}

// Latest reads the build in the watched directory (online: after grype's
// own update check) and keeps a copy of it.
func (m *dbMatcher) Latest(ctx context.Context) (monitor.Build, error) {
	dir := m.db.Dir
	if dir == "" {
		vp, st, err := vulndb.Open(ctx, m.db) // grype's listing and update, into grype's cache
		if err != nil {
			return monitor.Build{}, err
		}
		vp.Close()
		dir = filepath.Dir(filepath.Dir(st.Path))
	}
	b, err := cimonitor.ReadBuild(dir)
	if err != nil {
		return monitor.Build{}, err
	}
	keep := filepath.Join(m.builds, strings.NewReplacer(":", "-", "/", "-").Replace(b.Checksum))
	if err := snapshot(dir, keep); err != nil {
		return monitor.Build{}, fmt.Errorf("keep DB build %s: %w", b.Checksum, err)
	}
	return monitor.Build{Checksum: b.Checksum, Built: b.Built, Schema: b.Schema, Dir: keep}, nil
}

// Diff diffs two kept builds; one no longer kept makes the diff Full.
func (m *dbMatcher) Diff(ctx context.Context, from, to monitor.Build) (monitor.Changes, error) {
	if _, err := os.Stat(from.Dir); err != nil {
		return monitor.Changes{Full: true}, nil
	}
	d, err := cimonitor.DiffBuilds(ctx, from.Dir, to.Dir)
	if err != nil {
		return monitor.Changes{}, err
	}
	ch := monitor.Changes{Full: d.Full, Withdrawn: d.Withdrawn()}
	for k := range d.Names() {
		ch.Keys = append(ch.Keys, k)
	}
	for _, c := range d.Packages {
		for _, ids := range [][]string{c.Added, c.Changed, c.Withdrawn} {
			ch.Vulnerabilities = append(ch.Vulnerabilities, ids...)
		}
	}
	return ch, nil
}

// Match decodes a stored document (CycloneDX, SPDX or syft JSON) and
// matches it against the build.
func (m *dbMatcher) Match(ctx context.Context, b monitor.Build, doc []byte, projectPath string, asset findings.Asset) (monitor.Result, error) {
	s, _, _, err := format.Decode(bytes.NewReader(doc))
	if err != nil || s == nil {
		return monitor.Result{}, fmt.Errorf("read stored SBOM of %s: %v", asset.Digest, errors.Join(err, errors.New("not an SBOM syft reads")))
	}
	matcher, err := m.matcherOf(ctx, b)
	if err != nil {
		return monitor.Result{}, err
	}
	o, err := matcher.MatchSBOM(ctx, s)
	if err != nil {
		return monitor.Result{}, err
	}
	return monitor.Result{Findings: cimatch.Findings(projectPath, asset, o.Result), Keys: o.Keys}, nil
}

// matcherOf is the matcher over the opened DB of build b; opening another
// closes the last.
func (m *dbMatcher) matcherOf(ctx context.Context, b monitor.Build) (*cimonitor.Matcher, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vp != nil && m.current == b.Checksum {
		return m.matcher, nil
	}
	o := m.db
	o.Dir = b.Dir
	vp, _, err := vulndb.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	if m.vp != nil {
		m.vp.Close()
	}
	m.vp, m.current, m.matcher = vp, b.Checksum, cimonitor.NewMatcher(vp, 1)
	return m.matcher, nil
}

// Close releases the open DB.
func (m *dbMatcher) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vp == nil {
		return nil
	}
	return m.vp.Close()
}

// snapshot copies the DB in dir (6/vulnerability.db and 6/import.json) to
// keep, once: a kept build never changes.
func snapshot(dir, keep string) error {
	if _, err := os.Stat(filepath.Join(keep, "6", "vulnerability.db")); err == nil {
		return nil
	}
	tmp := keep + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "6"), 0o755); err != nil {
		return err
	}
	for _, f := range []string{"vulnerability.db", "import.json"} {
		if err := copyDBFile(filepath.Join(dir, "6", f), filepath.Join(tmp, "6", f)); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	return os.Rename(tmp, keep)
}

func copyDBFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
