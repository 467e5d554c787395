package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Finding statuses.
const (
	FindingOpen     = "open"
	FindingResolved = "resolved"
)

// Finding is what the ledger knows of one fingerprint.
type Finding struct {
	Fingerprint    string
	ProjectID      int64
	ProjectPath    string
	Asset          string // image repository
	Digest         string // digest of the last scan that saw it
	PackageType    string
	PackageName    string
	PackageVersion string
	Vulnerability  string
	Severity       findings.Severity
	FirstSeen      time.Time
	LastSeen       time.Time
	FixState       string
	FixSince       time.Time // when a fix was first seen available
	Status         string
	ResolvedBy     string // the scan that no longer saw it
	Group          string
	// Scope is what the scan that last saw it was complete for (see
	// tracker.Scope); a complete report of that scope that no longer lists
	// the finding resolves it.
	Scope string
	Data  []byte // the latest findings.Finding as JSON
}

const findingColumns = `fingerprint, project_id, project_path, asset, digest, package_type, package_name, package_version,
	vulnerability, severity, first_seen, last_seen, fix_state, fix_since, status, resolved_by, group_key, scope, data`

// PutFinding inserts or replaces a finding inside q's transaction.
func (l *Ledger) PutFinding(ctx context.Context, q Querier, f Finding) error {
	_, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_findings (`+findingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO UPDATE SET project_id = excluded.project_id, project_path = excluded.project_path,
		asset = excluded.asset, digest = excluded.digest, package_type = excluded.package_type,
		package_name = excluded.package_name, package_version = excluded.package_version,
		vulnerability = excluded.vulnerability, severity = excluded.severity, first_seen = excluded.first_seen,
		last_seen = excluded.last_seen, fix_state = excluded.fix_state, fix_since = excluded.fix_since,
		status = excluded.status, resolved_by = excluded.resolved_by, group_key = excluded.group_key, scope = excluded.scope, data = excluded.data`),
		f.Fingerprint, f.ProjectID, l.text(f.ProjectPath), l.text(f.Asset), l.text(f.Digest), l.text(f.PackageType), l.text(f.PackageName), l.text(f.PackageVersion),
		l.text(f.Vulnerability), int(f.Severity), formatTime(f.FirstSeen), formatTime(f.LastSeen), f.FixState,
		formatTime(f.FixSince), f.Status, f.ResolvedBy, f.Group, l.text(f.Scope), l.text(string(f.Data)))
	if err != nil {
		return fmt.Errorf("record finding %s: %w", f.Fingerprint, err)
	}
	return nil
}

// ResolveFinding marks an open finding resolved by by at at, with the
// event the read-outs count, inside q's transaction.
func (l *Ledger) ResolveFinding(ctx context.Context, q Querier, f Finding, by string, at time.Time) error {
	f.Status, f.ResolvedBy = FindingResolved, by
	if err := l.PutFinding(ctx, q, f); err != nil {
		return err
	}
	return l.AppendEvents(ctx, q, resolvedEvent(f, by, at))
}

// Finding returns the finding with this fingerprint, read through q.
func (l *Ledger) Finding(ctx context.Context, q Querier, fingerprint string) (Finding, error) {
	fs, err := l.queryFindings(ctx, q, `WHERE fingerprint = ?`, fingerprint)
	if err != nil {
		return Finding{}, err
	}
	if len(fs) == 0 {
		return Finding{}, fmt.Errorf("finding %s: %w", fingerprint, ErrNotFound)
	}
	return fs[0], nil
}

// ScopeFindings returns the open findings of a project last seen by a scan
// of one of the scopes.
func (l *Ledger) ScopeFindings(ctx context.Context, q Querier, projectID int64, scopes ...string) ([]Finding, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	args := []any{projectID, FindingOpen}
	marks := make([]string, len(scopes))
	for i, sc := range scopes {
		marks[i], args = "?", append(args, sc)
	}
	return l.queryFindings(ctx, q, `WHERE project_id = ? AND status = ? AND scope IN (`+strings.Join(marks, ", ")+`) ORDER BY fingerprint`, args...)
}

// LegacyDependencyFindings returns the open findings of a project recorded
// from dependency scans before findings had scopes: their identity still
// held the manifest path, so no newer scan lists them again.
func (l *Ledger) LegacyDependencyFindings(ctx context.Context, q Querier, projectID int64) ([]Finding, error) {
	return l.queryFindings(ctx, q, `WHERE project_id = ? AND status = ? AND scope LIKE 'asset:%' AND data LIKE '%"asset":{"kind":"dir"%' ORDER BY fingerprint`,
		projectID, FindingOpen)
}

// GroupFindings returns every finding of an issue group, open or resolved.
func (l *Ledger) GroupFindings(ctx context.Context, group string) ([]Finding, error) {
	return l.queryFindings(ctx, l.db, `WHERE group_key = ? ORDER BY asset, fingerprint`, group)
}

// OpenBySeverity counts open findings by severity.
func (l *Ledger) OpenBySeverity(ctx context.Context) (map[findings.Severity]int, error) {
	out := map[findings.Severity]int{}
	err := eachRow(ctx, l.db, "count open findings", l.rebind(`SELECT severity, COUNT(*) FROM vigil_findings WHERE status = ? GROUP BY severity`), []any{FindingOpen}, func(scan func(...any) error) error {
		var s, n int
		if err := scan(&s, &n); err != nil {
			return err
		}
		out[findings.Severity(s)] = n
		return nil
	})
	return out, err
}

func (l *Ledger) queryFindings(ctx context.Context, q Querier, where string, args ...any) ([]Finding, error) {
	var out []Finding
	err := eachRow(ctx, q, "read findings", l.rebind(`SELECT `+findingColumns+` FROM vigil_findings `+where), args, func(scan func(...any) error) error {
		var f Finding
		var sev int
		var first, last, fixSince, data string
		if err := scan(&f.Fingerprint, &f.ProjectID, &f.ProjectPath, &f.Asset, &f.Digest, &f.PackageType,
			&f.PackageName, &f.PackageVersion, &f.Vulnerability, &sev, &first, &last, &f.FixState, &fixSince,
			&f.Status, &f.ResolvedBy, &f.Group, &f.Scope, &data); err != nil {
			return err
		}
		f.Severity, f.FirstSeen, f.LastSeen, f.FixSince, f.Data = findings.Severity(sev), parseTime(first), parseTime(last), parseTime(fixSince), []byte(data)
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IsNotFound reports whether err says a record is missing.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) }

// ProjectGroups returns the issue groups that have findings in a project.
func (l *Ledger) ProjectGroups(ctx context.Context, projectID int64) ([]string, error) {
	return column[string](ctx, l.db, fmt.Sprintf("read groups of project %d", projectID),
		l.rebind(`SELECT DISTINCT group_key FROM vigil_findings WHERE project_id = ? ORDER BY group_key`), projectID)
}

// Projects returns the ids of every project with findings.
func (l *Ledger) Projects(ctx context.Context) ([]int64, error) {
	return column[int64](ctx, l.db, "read projects", `SELECT DISTINCT project_id FROM vigil_findings ORDER BY project_id`)
}
