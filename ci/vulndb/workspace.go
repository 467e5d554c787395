package vulndb

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/OneOfOne/xxhash"

	"github.com/anchore/grype/grype/db/provider"

	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// unsafeName matches what may not appear in a result file name.
var unsafeName = regexp.MustCompile(`[^-._a-zA-Z0-9+@]`)

// writeWorkspaces lays records out as vunnel provider workspaces under root —
// <root>/<provider>/results/*.json, a "checksums" listing (xxh64) and
// metadata.json (provider-workspace-state 1.0.3) — and reads each back with
// grype's provider.ReadState, which is what grype's builder consumes.
func writeWorkspaces(root string, records []record, captured time.Time) (provider.States, error) {
	byProvider := map[string][]record{}
	for _, r := range records {
		byProvider[r.provider] = append(byProvider[r.provider], r)
	}
	var names []string
	for name := range byProvider {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		return providerRank(names[i]) < providerRank(names[j]) ||
			providerRank(names[i]) == providerRank(names[j]) && names[i] < names[j]
	})

	var states provider.States
	for _, name := range names {
		state, err := writeWorkspace(filepath.Join(root, name), name, byProvider[name], captured)
		if err != nil {
			return nil, fmt.Errorf("write %s provider workspace: %w", name, err)
		}
		states = append(states, *state)
	}
	return states, nil
}

// providerRank orders providers the way grype's builder expects: "nvd" first
// (others borrow its severities), EPSS/KEV decorations last.
func providerRank(name string) int {
	switch name {
	case "nvd":
		return 0
	case "kev", "epss":
		return 2
	}
	return 1
}

func writeWorkspace(dir, name string, records []record, captured time.Time) (*provider.State, error) {
	results := filepath.Join(dir, "results")
	if err := os.MkdirAll(results, 0o755); err != nil {
		return nil, err
	}
	store := filepath.Join(results, "results.db")
	if err := writeResultsDB(store, records); err != nil {
		return nil, fmt.Errorf("write %s: %w", store, err)
	}
	digest, err := provider.HashFileXXH64(store)
	if err != nil {
		return nil, err
	}
	listing := []byte(digest + "  results/results.db\n")
	if err := os.WriteFile(filepath.Join(dir, "checksums"), listing, 0o644); err != nil {
		return nil, err
	}

	state := map[string]any{
		"provider":             name,
		"version":              1,
		"distribution_version": 1,
		"processor":            processorName,
		"schema":               map[string]string{"version": stateSchemaVer, "url": schemaState},
		"urls":                 []string{},
		"timestamp":            captured.UTC().Format(time.RFC3339),
		"listing":              map[string]string{"path": "checksums", "digest": xxh64(listing), "algorithm": "xxh64"},
		"store":                "sqlite",
		"stale":                false,
	}
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return nil, err
	}
	metadata := filepath.Join(dir, "metadata.json")
	if err := os.WriteFile(metadata, data, 0o644); err != nil {
		return nil, err
	}
	return provider.ReadState(metadata)
}

// writeResultsDB writes vunnel's "sqlite" result store: one row per result,
// keyed by identifier, holding the envelope. One file instead of thousands
// keeps a full Go vulndb build fast on slow disks.
func writeResultsDB(path string, records []record) error {
	db, err := sqlite.Open(path, sqlite.Options{}) // one writer, then read by the builder: SQLite's defaults
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE results (id TEXT PRIMARY KEY, record BLOB NOT NULL)`); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.Prepare(`INSERT INTO results (id, record) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	for _, r := range records {
		env, err := json.Marshal(envelope{Schema: r.schema, Identifier: r.identifier, Item: r.item})
		if err != nil {
			return fmt.Errorf("encode %s: %w", r.source, err)
		}
		if _, err := stmt.Exec(r.identifier, env); err != nil {
			return fmt.Errorf("store %s: %w", r.source, err)
		}
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return db.Close()
}

// resultFileName turns an identifier such as "debian:12/cve-2024-0727" into
// the relative path vunnel would use ("debian@12/cve-2024-0727.json").
func resultFileName(identifier string) string {
	parts := strings.Split(strings.ReplaceAll(identifier, ":", "@"), "/")
	for i, p := range parts {
		p = unsafeName.ReplaceAllString(p, "-")
		if strings.Trim(p, ".") == "" { // never "", "." or "..": results stay inside the workspace
			p = strings.Repeat("-", max(len(p), 1))
		}
		parts[i] = p
	}
	return strings.Join(parts, "/") + ".json"
}

func xxh64(b []byte) string {
	h := xxhash.New64()
	_, _ = h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
