package ledger

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// SBOM is a stored SBOM: the document a scan job left for an image digest.
type SBOM struct {
	Digest       string
	Repository   string
	ProjectID    int64
	ProjectPath  string
	Artifact     string // the job artifact it came from
	SyftVersion  string
	VigilVersion string
	Document     []byte // as the job wrote it (CycloneDX or syft JSON), uncompressed
	// MatchKeys are what its last match asked the DB (see bot/monitor);
	// none until it is matched. MatchedBuild names that DB build.
	MatchKeys    []string
	MatchedBuild string
	StoredAt     time.Time
}

// SBOMs is the store of SBOMs by digest.
type SBOMs struct{ l *Ledger }

// SBOMs returns the ledger's SBOM store.
func (l *Ledger) SBOMs() SBOMs { return SBOMs{l} }

// Put stores the SBOM of a digest, replacing an older one: a new document
// (another cataloger version) is matched afresh, so its keys are cleared.
func (s SBOMs) Put(ctx context.Context, b SBOM) error {
	data, err := pack(b.Document)
	if err != nil {
		return fmt.Errorf("store SBOM of %s: %w", b.Digest, err)
	}
	_, err = s.l.db.ExecContext(ctx, s.l.rebind(`INSERT INTO vigil_sboms
		(digest, repository, project_id, project_path, artifact, syft_version, vigil_version, data, match_keys, matched_build, stored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?)
		ON CONFLICT (digest) DO UPDATE SET repository = excluded.repository, project_id = excluded.project_id,
		project_path = excluded.project_path, artifact = excluded.artifact, syft_version = excluded.syft_version,
		vigil_version = excluded.vigil_version, data = excluded.data, match_keys = '', matched_build = '', stored_at = excluded.stored_at`),
		b.Digest, b.Repository, b.ProjectID, b.ProjectPath, b.Artifact, b.SyftVersion, b.VigilVersion, data, formatTime(b.StoredAt))
	if err != nil {
		return fmt.Errorf("store SBOM of %s: %w", b.Digest, err)
	}
	return nil
}

// Has reports whether a digest's SBOM is stored, made by these versions
// (by any vigil when vigilVersion is empty).
func (s SBOMs) Has(ctx context.Context, digest, syftVersion, vigilVersion string) (bool, error) {
	var n int
	err := s.l.db.QueryRowContext(ctx, s.l.rebind(`SELECT COUNT(*) FROM vigil_sboms WHERE digest = ? AND syft_version = ?
		AND (? = '' OR vigil_version = ?)`), digest, syftVersion, vigilVersion, vigilVersion).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read SBOM of %s: %w", digest, err)
	}
	return n > 0, nil
}

// BySyft is the set of digests whose stored SBOM syftVersion made: what an
// inventory of thousands of digests checks in one read.
func (s SBOMs) BySyft(ctx context.Context, syftVersion string) (map[string]bool, error) {
	ds, err := column[string](ctx, s.l.db, "read stored SBOMs", s.l.rebind(`SELECT digest FROM vigil_sboms WHERE syft_version = ?`), syftVersion)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		out[d] = true
	}
	return out, nil
}

// Get returns the SBOM of a digest, document included.
func (s SBOMs) Get(ctx context.Context, digest string) (SBOM, error) {
	var b SBOM
	var data, keys, at string
	err := s.l.db.QueryRowContext(ctx, s.l.rebind(`SELECT digest, repository, project_id, project_path, artifact, syft_version,
		vigil_version, data, match_keys, matched_build, stored_at FROM vigil_sboms WHERE digest = ?`), digest).Scan(
		&b.Digest, &b.Repository, &b.ProjectID, &b.ProjectPath, &b.Artifact, &b.SyftVersion, &b.VigilVersion, &data, &keys, &b.MatchedBuild, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return SBOM{}, fmt.Errorf("SBOM of %s: %w", digest, ErrNotFound)
	}
	if err != nil {
		return SBOM{}, fmt.Errorf("read SBOM of %s: %w", digest, err)
	}
	if b.Document, err = unpack(data); err != nil {
		return SBOM{}, fmt.Errorf("read SBOM of %s: %w", digest, err)
	}
	b.MatchKeys, b.StoredAt = splitKeys(keys), parseTime(at)
	return b, nil
}

// SetMatched records what matching a digest's SBOM against build asked.
func (s SBOMs) SetMatched(ctx context.Context, q Querier, digest, build string, keys []string) error {
	_, err := q.ExecContext(ctx, s.l.rebind(`UPDATE vigil_sboms SET match_keys = ?, matched_build = ? WHERE digest = ?`),
		strings.Join(keys, "\n"), build, digest)
	if err != nil {
		return fmt.Errorf("record match of SBOM %s: %w", digest, err)
	}
	return nil
}

// EachKeys calls fn with every stored digest, the build it was last matched
// against and its keys, one row at a time (a fleet's keys are read once per
// DB build, never held all at once by the store).
func (s SBOMs) EachKeys(ctx context.Context, fn func(digest, build string, keys []string) error) error {
	rows, err := s.l.db.QueryContext(ctx, `SELECT digest, matched_build, match_keys FROM vigil_sboms ORDER BY digest`)
	if err != nil {
		return fmt.Errorf("read SBOM keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, b, k string
		if err := rows.Scan(&d, &b, &k); err != nil {
			return fmt.Errorf("read SBOM keys: %w", err)
		}
		if err := fn(d, b, splitKeys(k)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func splitKeys(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// DBBuild is a vulnerability DB build the monitor has seen.
type DBBuild struct {
	Checksum string
	Built    time.Time
	Schema   string
	Dir      string
	SeenAt   time.Time
}

// CurrentBuild returns the build the stored SBOMs are matched against; ok
// is false before the first.
func (s SBOMs) CurrentBuild(ctx context.Context) (DBBuild, bool, error) {
	var b DBBuild
	var built, seen string
	err := s.l.db.QueryRowContext(ctx, `SELECT checksum, built, schema_ver, dir, seen_at FROM vigil_db_builds WHERE current = 1`).Scan(
		&b.Checksum, &built, &b.Schema, &b.Dir, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return DBBuild{}, false, nil
	}
	if err != nil {
		return DBBuild{}, false, fmt.Errorf("read current DB build: %w", err)
	}
	b.Built, b.SeenAt = parseTime(built), parseTime(seen)
	return b, true, nil
}

// SetCurrentBuild records a build and makes it the current one, inside q's
// transaction (with the jobs that match the SBOMs against it).
func (s SBOMs) SetCurrentBuild(ctx context.Context, q Querier, b DBBuild) error {
	if _, err := q.ExecContext(ctx, `UPDATE vigil_db_builds SET current = 0 WHERE current = 1`); err != nil {
		return fmt.Errorf("record DB build: %w", err)
	}
	_, err := q.ExecContext(ctx, s.l.rebind(`INSERT INTO vigil_db_builds (checksum, built, schema_ver, dir, seen_at, current)
		VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (checksum) DO UPDATE SET current = 1, dir = excluded.dir`),
		b.Checksum, formatTime(b.Built), b.Schema, b.Dir, formatTime(b.SeenAt))
	if err != nil {
		return fmt.Errorf("record DB build %s: %w", b.Checksum, err)
	}
	return nil
}

// The SBOM column holds zstd-compressed documents, base64-encoded to stay
// TEXT on both databases. The coders are safe for concurrent use.
var (
	sbomEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	sbomDecoder, _ = zstd.NewReader(nil)
)

func pack(doc []byte) (string, error) { return packWith(sbomEncoder, doc) }

func packWith(enc *zstd.Encoder, doc []byte) (string, error) {
	if len(doc) == 0 {
		return "", errors.New("empty document")
	}
	return base64.StdEncoding.EncodeToString(enc.EncodeAll(doc, nil)), nil
}

func unpack(s string) ([]byte, error) {
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return sbomDecoder.DecodeAll(z, nil)
}

// OpenFindingsAt returns the open findings of a project last seen in an
// image digest, read through q.
func (s SBOMs) OpenFindingsAt(ctx context.Context, q Querier, projectID int64, digest string) ([]Finding, error) {
	return s.l.queryFindings(ctx, q, `WHERE project_id = ? AND digest = ? AND status = ? ORDER BY fingerprint`, projectID, digest, FindingOpen)
}
