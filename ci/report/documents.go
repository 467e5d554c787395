package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Document is one output file: its name inside the output directory and its
// bytes, rendered and validated before anything touches disk.
type Document struct {
	Name string
	Data []byte
}

// WriteAll writes docs into dir (created if missing) and returns their paths.
// It is the one all-or-nothing writer of a scan's output: every document is
// first written into a staging directory inside dir, then each is renamed
// into place; if a rename fails, the documents already moved are removed
// again, so an error leaves no partial output behind.
func WriteAll(dir string, docs []Document) ([]string, error) {
	for _, d := range docs {
		if d.Name == "" || filepath.Base(d.Name) != d.Name {
			return nil, fmt.Errorf("write %q: not a file name", d.Name)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	// The staging directory sits inside dir so that every rename stays on one
	// file system and is atomic.
	stage, err := os.MkdirTemp(dir, ".vigil-staging-")
	if err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	defer os.RemoveAll(stage)
	for _, d := range docs {
		if err := os.WriteFile(filepath.Join(stage, d.Name), d.Data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", d.Name, err)
		}
	}
	var done []string
	for _, d := range docs {
		final := filepath.Join(dir, d.Name)
		if err := os.Rename(filepath.Join(stage, d.Name), final); err != nil {
			var rerr error
			for _, p := range done {
				rerr = errors.Join(rerr, os.Remove(p))
			}
			return nil, errors.Join(fmt.Errorf("write %s: %w", d.Name, err), rerr)
		}
		done = append(done, final)
	}
	return done, nil
}
