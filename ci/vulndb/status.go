package vulndb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/afero"

	v6 "github.com/anchore/grype/grype/db/v6"
)

// Status is what a vulnerability database holds and when it was built.
type Status struct {
	Built         time.Time // when the DB was built (UTC)
	SchemaVersion string    // grype's schema version, e.g. "v6.1.9"
	Path          string    // the vulnerability.db file
	Source        string    // who imported it, from import.json ("vigil db build", a grype listing URL)
	Providers     []ProviderStatus
	// Vulnerabilities is the number of vulnerability records, Packages the
	// number of affected-package rows, KEV and EPSS the decoration rows.
	Vulnerabilities int
	Packages        int
	KEV             int
	EPSS            int
}

// ProviderStatus is one data source in a database.
type ProviderStatus struct {
	Name     string    // vunnel provider: govulndb, debian, github, kev, epss, …
	Version  string    // provider version
	Records  int       // vulnerabilities from this provider (KEV/EPSS: their rows)
	Captured time.Time // when the provider's data was captured
}

// NoDBError says a directory holds no vulnerability database.
type NoDBError struct {
	Dir    string
	Parent string // set when Dir is itself a schema directory ("…/6"): the directory to pass instead
}

func (e *NoDBError) Error() string {
	if e.Parent != "" {
		return fmt.Sprintf("no vulnerability database in %s: it is grype's schema directory, pass its parent %s instead", e.Dir, e.Parent)
	}
	return fmt.Sprintf("no vulnerability database in %s: run `vigil db build --out %s …` or drop --db to use grype's online DB", e.Dir, e.Dir)
}

// dbFile is where a DB lives under a grype cache directory.
func dbFile(dir string) string {
	return filepath.Join(dir, strconv.Itoa(v6.ModelVersion), v6.VulnerabilityDBFileName)
}

// ReadStatus reports what the database in dir (laid out as grype's cache
// directory: dir/6/vulnerability.db) holds. A missing DB is a *NoDBError.
func ReadStatus(dir string) (Status, error) {
	path := dbFile(dir)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			noDB := &NoDBError{Dir: dir}
			if _, err := os.Stat(filepath.Join(dir, v6.VulnerabilityDBFileName)); err == nil {
				noDB.Parent = filepath.Dir(filepath.Clean(dir))
			}
			return Status{}, noDB
		}
		return Status{}, fmt.Errorf("read vulnerability database status: %w", err)
	}
	st, err := readDBStatus(path)
	if err != nil {
		return Status{}, fmt.Errorf("read vulnerability database status in %s: %w", dir, err)
	}
	return st, nil
}

func readDBStatus(path string) (Status, error) {
	desc, err := v6.ReadDescription(path)
	if err != nil {
		return Status{}, err
	}
	st := Status{
		Built:         desc.Built.UTC(),
		SchemaVersion: desc.SchemaVersion.String(),
		Path:          path,
	}
	if im, err := v6.ReadImportMetadata(afero.NewOsFs(), filepath.Dir(path)); err == nil {
		st.Source = im.Source
	}

	ldb, err := v6.NewLowLevelDB(path, false, false, false)
	if err != nil {
		return Status{}, err
	}
	sqlDB, err := ldb.DB()
	if err != nil {
		return Status{}, err
	}
	defer sqlDB.Close()

	var providers []v6.Provider
	if err := ldb.Find(&providers).Error; err != nil {
		return Status{}, fmt.Errorf("list providers: %w", err)
	}
	type count struct {
		ProviderID string
		N          int
	}
	var counts []count
	if err := ldb.Raw("SELECT provider_id, count(*) AS n FROM vulnerability_handles GROUP BY provider_id").Scan(&counts).Error; err != nil {
		return Status{}, fmt.Errorf("count vulnerabilities: %w", err)
	}
	perProvider := map[string]int{}
	for _, c := range counts {
		perProvider[c.ProviderID] = c.N
		st.Vulnerabilities += c.N
	}
	for table, dst := range map[string]*int{
		"affected_package_handles":              &st.Packages,
		"known_exploited_vulnerability_handles": &st.KEV,
		"epss_handles":                          &st.EPSS,
	} {
		if err := ldb.Raw("SELECT count(*) FROM " + table).Scan(dst).Error; err != nil {
			return Status{}, fmt.Errorf("count %s: %w", table, err)
		}
	}
	perProvider["kev"] += st.KEV
	perProvider["epss"] += st.EPSS

	for _, p := range providers {
		ps := ProviderStatus{Name: p.ID, Version: p.Version, Records: perProvider[p.ID]}
		if p.DateCaptured != nil {
			ps.Captured = p.DateCaptured.UTC()
		}
		st.Providers = append(st.Providers, ps)
	}
	sort.Slice(st.Providers, func(i, j int) bool { return st.Providers[i].Name < st.Providers[j].Name })
	return st, sqlDB.Close()
}
