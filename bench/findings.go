package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// vigilFindings reads "id package version" triples from vigil-findings.json.
func vigilFindings(path string) ([]string, error) {
	var doc struct {
		Findings []struct {
			Vulnerability struct{ ID string }
			Package       struct{ Name, Version string }
		}
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, f := range doc.Findings {
		out = append(out, f.Vulnerability.ID+" "+f.Package.Name+" "+f.Package.Version)
	}
	return normalise(out), nil
}

// grypeFindings reads the same triples from grype's JSON output.
func grypeFindings(path string) ([]string, error) {
	var doc struct {
		Matches []struct {
			Vulnerability struct{ ID string }
			Artifact      struct{ Name, Version string }
		}
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range doc.Matches {
		out = append(out, m.Vulnerability.ID+" "+m.Artifact.Name+" "+m.Artifact.Version)
	}
	return normalise(out), nil
}

// cdxComponents lists the package components of a CycloneDX document by
// purl (file components, which have none, are left out).
func cdxComponents(path string) ([]string, error) {
	var doc struct {
		Components []struct{ Name, Version, Purl string }
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range doc.Components {
		if c.Purl != "" {
			out = append(out, c.Purl)
		}
	}
	return normalise(out), nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func normalise(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// diff lists what only a has and what only b has.
func diff(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}
