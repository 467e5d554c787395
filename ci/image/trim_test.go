package image

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Trim removes the files used longest ago first, keeps what a scan is
// still writing, and leaves the directory within the limit.
func TestTrimEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	files := []struct {
		name string
		age  time.Duration
	}{
		{"blobs/sha256-old", 3 * time.Hour},
		{"layers/sha256-older", 4 * time.Hour},
		{"projects/p1/sboms/k.syft.json.gz", 2 * time.Hour},
		{"layers/sha256-recent", time.Minute},
		{"blobs/.partial-1", time.Minute}, // being written
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-f.age), now.Add(-f.age)); err != nil {
			t.Fatal(err)
		}
	}
	Touch(filepath.Join(dir, "layers/sha256-older")) // used just now
	if err := Trim(dir, 3000); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		gone := f.name == "blobs/sha256-old" || f.name == "projects/p1/sboms/k.syft.json.gz"
		if gone != os.IsNotExist(err) {
			t.Errorf("%s: stat err %v, want evicted=%v", f.name, err, gone)
		}
	}
}
