package containerfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Read parses the Dockerfile at rel (slash-separated) below dir and returns
// it with its bytes, which an edit rewrites.
func Read(dir, rel string) (*File, []byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", rel, err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	return f, data, nil
}
