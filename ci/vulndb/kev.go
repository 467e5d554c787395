package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// readKEVFile reads CISA's Known Exploited Vulnerabilities catalog
// (known_exploited_vulnerabilities.json) into one result per CVE.
func readKEVFile(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read KEV catalog %s: %w", path, err)
	}
	var catalog struct {
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &catalog); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("read KEV catalog %s: %w", path, err)
		}
		return nil, fmt.Errorf("read KEV catalog %s: want CISA's catalog format, an object with a \"vulnerabilities\" list", path)
	}
	if catalog.Vulnerabilities == nil {
		return nil, fmt.Errorf("read KEV catalog %s: no \"vulnerabilities\" list (want CISA's catalog format)", path)
	}
	out := make([]record, 0, len(catalog.Vulnerabilities))
	for i, it := range catalog.Vulnerabilities {
		var head struct {
			CveID     string `json:"cveID"`
			DateAdded string `json:"dateAdded"`
		}
		if err := json.Unmarshal(it, &head); err != nil {
			return nil, fmt.Errorf("read KEV catalog %s (entry %d): %w", path, i, err)
		}
		if head.CveID == "" || head.DateAdded == "" {
			return nil, fmt.Errorf("read KEV catalog %s (entry %d): want cveID and dateAdded", path, i)
		}
		out = append(out, record{
			provider:   "kev",
			identifier: "kev:" + strings.ToLower(head.CveID),
			schema:     schemaKEV,
			item:       it,
			source:     fmt.Sprintf("%s (%s)", path, head.CveID),
			count:      1,
		})
	}
	return out, nil
}
