package vulndb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// record is one vunnel result, ready to be written into a provider workspace.
type record struct {
	provider   string
	identifier string
	schema     string
	item       json.RawMessage
	source     string // the input file (and entry) it came from, for error messages
	count      int    // vulnerabilities or scores it carries (EPSS items hold many)
}

// envelope is vunnel's result file: a schema URL, an identifier and the item.
type envelope struct {
	Schema     string          `json:"schema"`
	Identifier string          `json:"identifier"`
	Item       json.RawMessage `json:"item"`
}

// jsonFiles lists the .json files under dir, recursively and sorted, so a
// build reads its inputs in a stable order.
func jsonFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list records in %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

// unwrap returns the item of a vunnel envelope, or the whole document when the
// file holds a bare record. The second result is the envelope's schema, if any.
func unwrap(data []byte) (json.RawMessage, string, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		var arr []json.RawMessage
		if errArr := json.Unmarshal(data, &arr); errArr == nil {
			return data, "", nil
		}
		return nil, "", fmt.Errorf("not JSON: %w", err)
	}
	item, hasItem := probe["item"]
	schema, hasSchema := probe["schema"]
	if !hasItem || !hasSchema {
		return data, "", nil
	}
	var s string
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, "", fmt.Errorf("envelope schema is not a string: %w", err)
	}
	return item, s, nil
}

// splitItems returns the elements of a JSON array, or the value itself.
func splitItems(item json.RawMessage) ([]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(item)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return nil, err
		}
		return items, nil
	}
	return []json.RawMessage{trimmed}, nil
}

// checkSchema rejects an envelope whose schema is for another kind of record.
func checkSchema(got, want string) error {
	if got == "" {
		return nil
	}
	seg := func(s string) string {
		s = strings.TrimPrefix(s, schemaBase+"vulnerability/")
		before, _, _ := strings.Cut(s, "/")
		return before
	}
	if seg(got) != seg(want) {
		return fmt.Errorf("envelope schema %q is for %s records, not %s", got, seg(got), seg(want))
	}
	return nil
}

// readOSVFile reads one OSV record (bare, as in golang.org/x/vulndb, or in a
// vunnel envelope).
func readOSVFile(path string) (record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return record{}, fmt.Errorf("read OSV record %s: %w", path, err)
	}
	item, schema, err := unwrap(data)
	if err == nil {
		err = checkSchema(schema, schemaOSV)
	}
	if err != nil {
		return record{}, fmt.Errorf("read OSV record %s: %w", path, err)
	}
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(item, &head); err != nil {
		return record{}, fmt.Errorf("read OSV record %s: %w", path, err)
	}
	if head.ID == "" {
		return record{}, fmt.Errorf("read OSV record %s: no \"id\"", path)
	}
	if schema == "" {
		schema = schemaOSV
	}
	return record{
		provider:   osvProvider(head.ID),
		identifier: strings.ToLower(head.ID),
		schema:     schema,
		item:       item,
		source:     path,
		count:      1,
	}, nil
}

// osvProvider names the vunnel provider that publishes OSV records with this
// id prefix; grype's OSV transformer dispatches on the same prefixes.
func osvProvider(id string) string {
	prefix, _, _ := strings.Cut(strings.ToUpper(id), "-")
	switch prefix {
	case "GO":
		return "govulndb"
	case "BIT":
		return "bitnami"
	case "ALSA", "ALBA", "ALEA":
		return "alma"
	case "ROOT":
		return "rootio"
	case "CGA":
		return "chainguard"
	}
	return "osv"
}

// readOSFile reads vunnel "os" schema records (one, an array, or an envelope).
// Each becomes its own result under the provider named by its namespace
// ("debian:12" → debian).
func readOSFile(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OS advisory %s: %w", path, err)
	}
	item, schema, err := unwrap(data)
	if err == nil {
		err = checkSchema(schema, schemaOS)
	}
	if err != nil {
		return nil, fmt.Errorf("read OS advisory %s: %w", path, err)
	}
	items, err := splitItems(item)
	if err != nil {
		return nil, fmt.Errorf("read OS advisory %s: %w", path, err)
	}
	var out []record
	for i, it := range items {
		var head struct {
			Vulnerability struct {
				Name          string `json:"Name"`
				NamespaceName string `json:"NamespaceName"`
			} `json:"Vulnerability"`
		}
		if err := json.Unmarshal(it, &head); err != nil {
			return nil, fmt.Errorf("read OS advisory %s (entry %d): %w", path, i, err)
		}
		v := head.Vulnerability
		distro, _, ok := strings.Cut(v.NamespaceName, ":")
		if v.Name == "" || !ok || distro == "" {
			return nil, fmt.Errorf("read OS advisory %s (entry %d): want Vulnerability.Name and a NamespaceName like \"debian:12\"", path, i)
		}
		out = append(out, record{
			provider:   distro,
			identifier: v.NamespaceName + "/" + strings.ToLower(v.Name),
			schema:     schemaOS,
			item:       it,
			source:     path,
			count:      1,
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read OS advisory %s: no records", path)
	}
	return out, nil
}

// readGHSAFile reads vunnel GitHub security advisory records (one, an array,
// or an envelope).
func readGHSAFile(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read GitHub advisory %s: %w", path, err)
	}
	item, schema, err := unwrap(data)
	if err == nil {
		err = checkSchema(schema, schemaGHSA)
	}
	if err != nil {
		return nil, fmt.Errorf("read GitHub advisory %s: %w", path, err)
	}
	items, err := splitItems(item)
	if err != nil {
		return nil, fmt.Errorf("read GitHub advisory %s: %w", path, err)
	}
	var out []record
	for i, it := range items {
		var head struct {
			Advisory struct {
				GhsaID    string `json:"ghsaId"`
				Namespace string `json:"namespace"`
			} `json:"Advisory"`
		}
		if err := json.Unmarshal(it, &head); err != nil {
			return nil, fmt.Errorf("read GitHub advisory %s (entry %d): %w", path, i, err)
		}
		a := head.Advisory
		if a.GhsaID == "" || a.Namespace == "" {
			return nil, fmt.Errorf("read GitHub advisory %s (entry %d): want Advisory.ghsaId and Advisory.namespace", path, i)
		}
		out = append(out, record{
			provider:   "github",
			identifier: a.Namespace + "/" + strings.ToLower(a.GhsaID),
			schema:     schemaGHSA,
			item:       it,
			source:     path,
			count:      1,
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read GitHub advisory %s: no records", path)
	}
	return out, nil
}
