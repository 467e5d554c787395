package monitor

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	v6 "github.com/anchore/grype/grype/db/v6"

	grypediff "github.com/anchore/grype/grype/db/v6/diff"
)

// metadataBatch bounds the ids of one IN (…) list (SQLite's default limit
// of bound parameters is 32766).
const metadataBatch = 500

// addMetadataChanges records, as a change of every package it affects in
// the new build, each vulnerability whose own record, KEV or EPSS entry
// changed while its package records did not: findings carry severity, CVSS,
// KEV and EPSS, so those findings change too. KEV and EPSS name CVEs, which
// reach packages through the records that alias them.
func addMetadataChanges(d *Diff, newDir string, modified []grypediff.VulnerabilityID) error {
	if len(modified) == 0 {
		return nil
	}
	var names []string
	for _, v := range modified {
		if !slices.Contains(names, v.ID) {
			names = append(names, v.ID)
		}
	}
	db, err := v6.NewLowLevelDB(filepath.Join(newDir, strconv.Itoa(v6.ModelVersion), v6.VulnerabilityDBFileName), false, false, false)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	byPkg := map[[2]string]int{}
	for i, c := range d.Packages {
		byPkg[[2]string{c.Ecosystem, c.Name}] = i
	}
	for start := 0; start < len(names); start += metadataBatch {
		batch := names[start:min(start+metadataBatch, len(names))]
		type row struct{ Ecosystem, Name, Vuln string }
		var rows []row
		err := db.Raw(`SELECT COALESCE(p.ecosystem, '') AS ecosystem, p.name AS name, vh.name AS vuln
			FROM vulnerability_handles vh
			JOIN affected_package_handles aph ON aph.vulnerability_id = vh.id
			JOIN packages p ON p.id = aph.package_id
			WHERE vh.name IN ? OR vh.name IN (SELECT name FROM vulnerability_aliases WHERE alias IN ?)
			UNION
			SELECT 'cpe', c.product, vh.name
			FROM vulnerability_handles vh
			JOIN affected_cpe_handles ach ON ach.vulnerability_id = vh.id
			JOIN cpes c ON c.id = ach.cpe_id
			WHERE vh.name IN ? OR vh.name IN (SELECT name FROM vulnerability_aliases WHERE alias IN ?)`,
			batch, batch, batch, batch).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("read packages of changed vulnerabilities: %w", err)
		}
		for _, r := range rows {
			k := [2]string{r.Ecosystem, r.Name}
			i, ok := byPkg[k]
			if !ok {
				i = len(d.Packages)
				byPkg[k] = i
				d.Packages = append(d.Packages, Change{Ecosystem: r.Ecosystem, Name: r.Name})
			}
			c := &d.Packages[i]
			if !slices.Contains(c.Added, r.Vuln) && !slices.Contains(c.Changed, r.Vuln) && !slices.Contains(c.Withdrawn, r.Vuln) {
				c.Changed = append(c.Changed, r.Vuln)
			}
		}
	}
	return sqlDB.Close()
}
