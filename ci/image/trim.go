package image

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// DefaultCacheMaxSize bounds a cache directory when the user sets nothing:
// room for a few large images on a CI runner's disk.
const DefaultCacheMaxSize int64 = 2 << 30

// partialAge is how old a ".partial-" file or a scan's work directory
// must be before Trim takes it for the leftover of a crashed scan rather
// than one still being written.
const partialAge = time.Hour

// Trim evicts the least recently used files under the cache directory dir
// until what is left takes at most max bytes. Every cache file is written
// once and renamed into place, and a hit refreshes its modification time,
// so that time orders the files by last use. Trimming is serialised by a
// lock file, and is safe beside scans that use the directory: a scan holds
// what it reads open or hard-linked (deleting the name frees nothing under
// it), and a file gone by the time a scan looks is a miss.
func Trim(dir string, max int64) error {
	if dir == "" || max <= 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("trim cache: %w", err)
	}
	lock := flock.New(filepath.Join(dir, ".trim.lock"))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("trim cache: %w", err)
	}
	defer lock.Unlock()
	files, total, err := cacheFiles(dir)
	if err != nil {
		return fmt.Errorf("trim cache: %w", err)
	}
	slices.SortFunc(files, func(a, b cacheFile) int { return cmp.Compare(a.used.UnixNano(), b.used.UnixNano()) })
	var errs []error
	for _, f := range files {
		if total <= max {
			break
		}
		if err := os.RemoveAll(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		total -= f.size
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("trim cache: %w", err)
	}
	return nil
}

type cacheFile struct {
	path string
	size int64
	used time.Time
}

// cacheFiles lists the evictable files under dir and the bytes they take.
// In-flight partial files and scan directories count but are not listed;
// old ones are (a crashed scan's).
func cacheFiles(dir string) ([]cacheFile, int64, error) {
	var files []cacheFile
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed by a concurrent scan
		}
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if filepath.Base(filepath.Dir(p)) != ".work" {
				return nil
			}
			// a scan's content directory: links to cached layers and the
			// layers it is writing; stale only once its scan is long gone
			if time.Since(info.ModTime()) > partialAge {
				files = append(files, cacheFile{path: p, used: info.ModTime()})
			}
			return fs.SkipDir
		}
		if !d.Type().IsRegular() || d.Name() == ".trim.lock" {
			return nil
		}
		total += info.Size()
		if strings.HasPrefix(d.Name(), ".partial-") && time.Since(info.ModTime()) < partialAge {
			return nil
		}
		files = append(files, cacheFile{path: p, size: info.Size(), used: info.ModTime()})
		return nil
	})
	return files, total, err
}

// Touch marks a cache file as just used, so Trim evicts it last.
func Touch(path string) {
	now := time.Now()
	_ = os.Chtimes(path, now, now)
}
