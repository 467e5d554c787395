package gomod

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

func readGoMod(dir, rel string) (*modfile.File, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return parseGoMod(rel, data)
}

func parseGoMod(rel string, data []byte) (*modfile.File, error) {
	f, err := modfile.Parse(rel, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	return f, nil
}
