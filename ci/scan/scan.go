package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/gate"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/report"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Options configure one scan.
type Options struct {
	Target      string   // image reference or kind:path (see image.ParseInput)
	OutputDir   string   // reports land here; "." when empty
	SBOMFormats []string // sbom.Formats; CycloneDX when empty
	Image       image.Options
	DB          vulndb.OpenOptions
	Gate        gate.Options
	MinSeverity findings.Severity // lowest severity GitLab's report lists (CS_SEVERITY_THRESHOLD); zero lists all
	// DefaultBranchImage is GitLab's CS_DEFAULT_BRANCH_IMAGE, for the report's locations.
	DefaultBranchImage string
	Project            string // GitLab project path, for fingerprints
	Version            string // vigil's version, recorded in reports
	Progress           *Progress
	Log                *slog.Logger
	// CacheMaxSize bounds the whole of Image.CacheDir, in bytes, after each
	// scan (least recently used files go first); 0 means unbounded.
	CacheMaxSize int64

	cacheRoot string // Image.CacheDir as given, before withCacheScope
}

// Outcome is what a scan found and wrote.
type Outcome struct {
	Report  *findings.Report
	Failing []findings.Finding // active findings at or above the gate's threshold
	Files   []string           // report files written
}

// Run scans o.Target and writes its reports. On error no report file is
// left behind.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	o = withDefaults(o)
	started := time.Now().UTC()
	// Load the DB while the image is pulled and cataloged, as grype does.
	type loaded struct {
		p      vulnerability.Provider
		status vulndb.Status
		err    error
	}
	dbc := make(chan loaded, 1)
	go func() {
		p, st, err := vulndb.Open(ctx, o.DB)
		dbc <- loaded{p, st, err}
	}()
	inv, err := inventory(ctx, o)
	db := <-dbc
	if db.err == nil {
		defer db.p.Close()
	}
	if err := errors.Join(db.err, err); err != nil {
		return nil, err
	}

	rep, err := assemble(ctx, o, inv, db.p, db.status, started)
	if err != nil {
		return nil, err
	}
	files, err := write(o, rep, inv)
	if err != nil {
		return nil, err
	}
	trimCache(o)
	return &Outcome{Report: rep, Failing: gate.Failing(rep, o.Gate), Files: files}, nil
}

// assemble matches an inventory against an opened DB and builds the findings
// report, with the gate applied.
func assemble(ctx context.Context, o Options, inv *inventoryResult, p vulnerability.Provider, st vulndb.Status, started time.Time) (*findings.Report, error) {
	o.Progress.Start("match")
	res, err := matchInventory(ctx, o, inv, p, st)
	if err != nil {
		return nil, err
	}
	if res.Distro != nil {
		inv.asset.Distro = res.Distro
	}
	rep := &findings.Report{
		Schema:  findings.SchemaID,
		Project: o.Project,
		Scanner: findings.Scanner{
			Name: "vigil", Version: o.Version, Matcher: "grype " + grypeVersion,
			DB: findings.DB{Built: st.Built, Schema: st.SchemaVersion, Providers: providerNames(st)},
		},
		Started:  started,
		Asset:    inv.asset,
		Findings: match.Findings(o.Project, inv.asset, &match.Result{Matches: res.Matches, Aliases: res.Aliases}),
	}
	gate.Apply(rep, o.Gate)
	rep.Ended = time.Now().UTC()
	o.Progress.Done(fmt.Sprintf("%d vulnerabilities (%d suppressed)", len(rep.Findings), len(rep.Findings)-len(rep.Active())))
	return rep, nil
}

// SBOM inventories o.Target and writes only its SBOM files.
func SBOM(ctx context.Context, o Options) ([]string, error) {
	o = withDefaults(o)
	inv, err := inventory(ctx, o)
	if err != nil {
		return nil, err
	}
	docs, err := sbomDocuments(o, inv)
	if err != nil {
		return nil, err
	}
	defer trimCache(o)
	return report.WriteAll(o.OutputDir, docs)
}

func withDefaults(o Options) Options {
	if o.OutputDir == "" {
		o.OutputDir = "."
	}
	if len(o.SBOMFormats) == 0 {
		o.SBOMFormats = []string{sbom.CycloneDX}
	}
	if o.Progress == nil {
		o.Progress = NewProgress(io.Discard, false, true)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return withCacheScope(o)
}

// write writes the reports and the SBOMs in one all-or-nothing step: a
// failure leaves no partial output behind.
func write(o Options, rep *findings.Report, inv *inventoryResult) ([]string, error) {
	docs, err := report.Render(rep, report.Options{Image: inv.imageRef, MinSeverity: o.MinSeverity, DefaultBranchImage: o.DefaultBranchImage})
	if err != nil {
		return nil, err
	}
	sboms, err := sbomDocuments(o, inv)
	if err != nil {
		return nil, err
	}
	return report.WriteAll(o.OutputDir, append(docs, sboms...))
}

func sbomDocuments(o Options, inv *inventoryResult) ([]report.Document, error) {
	var docs []report.Document
	for _, f := range o.SBOMFormats {
		doc, err := sbomDocument(f, o, inv)
		if err != nil {
			return nil, err
		}
		docs = append(docs, report.Document{Name: sbom.FileName(f, inv.asset.Repository), Data: doc})
	}
	return docs, nil
}

// sbomDocument encodes one SBOM document; for a cached image the document
// encoded by the scan that cataloged it is reused. The CycloneDX document
// gets GitLab's properties on every write, since the tag they name can
// differ between scans of one digest.
func sbomDocument(format string, o Options, inv *inventoryResult) ([]byte, error) {
	doc, err := encodedSBOM(format, inv)
	if err != nil {
		return nil, err
	}
	if format == sbom.CycloneDX {
		if doc, err = sbom.ForGitLab(doc, gitlabImage(inv.asset), sbom.Tool{Name: "vigil", Version: o.Version}, sbom.Tool{Name: "syft", Version: syftVersion}); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func encodedSBOM(format string, inv *inventoryResult) ([]byte, error) {
	var cached string
	if inv.cache != nil {
		cached = inv.cache.documentPath(inv.key, format)
		if b, ok := readGzip(cached); ok {
			return b, nil
		}
	}
	s, err := inv.SBOM()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := sbom.Encode(&buf, s.SBOM, format); err != nil {
		return nil, fmt.Errorf("write %s SBOM: %w", format, err)
	}
	if cached != "" {
		_ = inv.cache.writeGzip(cached, buf.Bytes()) // a miss next time costs only an encode
	}
	return buf.Bytes(), nil
}

func gitlabImage(a findings.Asset) sbom.GitLabImage {
	img := sbom.GitLabImage{Name: a.Repository}
	if len(a.Tags) > 0 {
		img.Tag = a.Tags[0]
	}
	if a.Distro != nil {
		img.OSName, img.OSVersion = a.Distro.Name, a.Distro.Version
	}
	return img
}

func providerNames(st vulndb.Status) []string {
	var names []string
	for _, p := range st.Providers {
		names = append(names, p.Name)
	}
	return names
}
