package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/afero"

	v6 "github.com/anchore/grype/grype/db/v6"
	grypediff "github.com/anchore/grype/grype/db/v6/diff"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// Build identifies one DB build: what the monitor records of each database
// it has matched against, and what it compares to tell two builds apart.
type Build struct {
	Built    time.Time `json:"built"`    // build time in the DB's metadata (UTC)
	Schema   string    `json:"schema"`   // grype's schema version, e.g. "v6.1.9"
	Checksum string    `json:"checksum"` // import.json's digest of vulnerability.db ("xxh64:…")
	Dir      string    `json:"dir"`      // the DB directory (Dir/6/vulnerability.db)
}

// ID names a build in notes and issues: its build time and checksum.
func (b Build) ID() string {
	return b.Built.UTC().Format(time.RFC3339) + " (" + b.Checksum + ")"
}

// Same reports whether two records name the same build.
func (b Build) Same(o Build) bool { return b.Checksum == o.Checksum && b.Built.Equal(o.Built) }

// ReadBuild reads the identity of the DB in dir (laid out as grype's cache:
// dir/6/vulnerability.db with import.json beside it).
func ReadBuild(dir string) (Build, error) {
	st, err := vulndb.ReadStatus(dir)
	if err != nil {
		return Build{}, err
	}
	sum, err := checksum(dir)
	if err != nil {
		return Build{}, fmt.Errorf("read vulnerability database identity in %s: %w", dir, err)
	}
	return Build{Built: st.Built, Schema: st.SchemaVersion, Checksum: sum, Dir: dir}, nil
}

// checksum is the digest import.json records, or the file's own when a DB
// comes without one.
func checksum(dir string) (string, error) {
	schemaDir := filepath.Join(dir, strconv.Itoa(v6.ModelVersion))
	if im, err := v6.ReadImportMetadata(osFS(), schemaDir); err == nil && im.Digest != "" {
		return im.Digest, nil
	}
	return v6.CalculateDBDigest(osFS(), filepath.Join(schemaDir, v6.VulnerabilityDBFileName))
}

// Change is one package whose vulnerability records differ between builds.
type Change struct {
	Ecosystem string `json:"ecosystem"` // the DB's ecosystem ("go-module", "deb", …), or "cpe"
	Name      string `json:"name"`      // the package name, or a CPE's product
	// Vulnerability ids whose records for this package were added, changed
	// (ranges, fixes, or the vulnerability's own metadata, KEV or EPSS) or
	// withdrawn (removed, or marked withdrawn/rejected).
	Added     []string `json:"added,omitempty"`
	Changed   []string `json:"changed,omitempty"`
	Withdrawn []string `json:"withdrawn,omitempty"`
}

// Diff is what changed between two DB builds.
type Diff struct {
	Old, New Build
	// Full is set when the builds cannot be compared package by package (a
	// schema change): every stored SBOM must be matched again.
	Full     bool
	Packages []Change
}

// Names is the set of index keys (see keys.go) the diff touches: each
// changed package's name (or CPE product) and each changed vulnerability's id.
func (d *Diff) Names() map[string]struct{} {
	out := make(map[string]struct{}, len(d.Packages))
	for _, c := range d.Packages {
		if c.Ecosystem == cpeEcosystem {
			out[cpeKey(c.Name)] = struct{}{}
		} else {
			out[nameKey(c.Name)] = struct{}{}
		}
		for _, ids := range [][]string{c.Added, c.Changed, c.Withdrawn} {
			for _, id := range ids {
				out[idKey(id)] = struct{}{}
			}
		}
	}
	return out
}

// Withdrawn lists the vulnerability ids the new build withdrew for some package.
func (d *Diff) Withdrawn() []string {
	var out []string
	for _, c := range d.Packages {
		for _, id := range c.Withdrawn {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

const cpeEcosystem = "cpe"

// DiffBuilds compares the DB builds in oldDir and newDir (grype cache
// layouts) with grype's own v6 differ, which compares the affected and
// unaffected package tables of the two SQLite files. Vulnerabilities whose
// metadata, KEV or EPSS entry changed count as changes of the packages they
// affect, since findings carry those. A schema change yields a Full diff.
func DiffBuilds(ctx context.Context, oldDir, newDir string) (*Diff, error) {
	oldB, err := ReadBuild(oldDir)
	if err != nil {
		return nil, fmt.Errorf("diff vulnerability databases: old: %w", err)
	}
	newB, err := ReadBuild(newDir)
	if err != nil {
		return nil, fmt.Errorf("diff vulnerability databases: new: %w", err)
	}
	d := &Diff{Old: oldB, New: newB}
	if oldB.Same(newB) {
		return d, nil
	}
	if schemaModel(oldB.Schema) != schemaModel(newB.Schema) {
		d.Full = true
		return d, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := runDiffer(oldDir, newDir)
	if err != nil {
		return nil, fmt.Errorf("diff vulnerability databases %s and %s: %w", oldDir, newDir, err)
	}
	d.Packages = packageChanges(res)
	if res.Vulnerabilities != nil {
		if err := addMetadataChanges(d, newDir, res.Vulnerabilities.Modified); err != nil {
			return nil, fmt.Errorf("diff vulnerability databases %s and %s: %w", oldDir, newDir, err)
		}
	}
	return d, nil
}

// schemaModel is the model part of a schema version ("v6.1.9" → "6"): builds
// of one model share the tables the differ compares.
func schemaModel(s string) string {
	s = strings.TrimPrefix(s, "v")
	m, _, _ := strings.Cut(s, ".")
	return m
}

// runDiffer runs grype's differ on copies of the two DB files: it hydrates
// what it is given, which rewrites the SQLite file even when nothing is
// missing and so breaks the checksum import.json holds, the build's
// identity and what grype's loader verifies.
func runDiffer(oldDir, newDir string) (*grypediff.Result, error) {
	tmp, err := os.MkdirTemp("", "vigil-db-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cfg := grypediff.DefaultConfig()
	cfg.Include = grypediff.Includes{Packages: true, Vulns: true, KEV: true, EPSS: true}
	if cfg.OldDB, err = copyDB(oldDir, filepath.Join(tmp, "old")); err != nil {
		return nil, err
	}
	if cfg.NewDB, err = copyDB(newDir, filepath.Join(tmp, "new")); err != nil {
		return nil, err
	}
	differ, err := grypediff.NewDBDiffer(cfg)
	if err != nil {
		return nil, err
	}
	res, derr := differ.Diff()
	return res, errors.Join(derr, differ.Close())
}

// copyDB copies the vulnerability.db of the DB in dir into to and returns to.
func copyDB(dir, to string) (string, error) {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return "", err
	}
	src, err := os.Open(filepath.Join(dir, strconv.Itoa(v6.ModelVersion), v6.VulnerabilityDBFileName))
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(to, v6.VulnerabilityDBFileName))
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return "", fmt.Errorf("copy %s: %w", src.Name(), err)
	}
	return to, dst.Close()
}

func packageChanges(res *grypediff.Result) []Change {
	out := make([]Change, 0, len(res.Packages))
	for _, p := range res.Packages {
		c := Change{Ecosystem: p.Ecosystem, Name: p.Name}
		c.Added = ids(p.Vulnerabilities.Added)
		c.Changed = ids(p.Vulnerabilities.Modified)
		c.Withdrawn = ids(p.Vulnerabilities.Removed)
		out = append(out, c)
	}
	return out
}

func ids(vs []grypediff.VulnerabilityID) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v.ID) {
			out = append(out, v.ID)
		}
	}
	return out
}

func osFS() afero.Fs { return afero.NewOsFs() }
