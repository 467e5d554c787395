package scan

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/anchore/syft/syft/format/syftjson"
	syftsbom "github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// sbomCacheFormat changes whenever what is cached changes meaning; old
// entries are then simply never read again.
const sbomCacheFormat = "1"

// sbomCache keeps the SBOM of each image manifest digest, so a repeat scan
// of an unchanged image skips pulling its layers and cataloging them. An
// entry is keyed by everything that decides the SBOM's content: the
// platform manifest's digest, the name it was asked for under, and the
// vigil and syft builds that cataloged it. Entries are gzipped syft JSON,
// written atomically; an unreadable entry counts as a miss.
type sbomCache struct{ dir string }

// newSBOMCache keeps SBOMs beside the layer cache; none when dir is "".
func newSBOMCache(layerCache string) *sbomCache {
	if layerCache == "" {
		return nil
	}
	return &sbomCache{dir: filepath.Join(layerCache, "sboms")}
}

// key names the entry of one image as one vigil build catalogs it.
func (c *sbomCache) key(digest, repository string, tags []string, vigilVersion string) string {
	h := sha256.New()
	for _, part := range []string{sbomCacheFormat, digest, repository, strings.Join(tags, ","), vigilVersion, syftVersion, buildIdentity()} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *sbomCache) path(key string) string {
	return filepath.Join(c.dir, key+".syft.json.gz")
}

// load returns the cached SBOM, or false on a miss or an unreadable entry.
func (c *sbomCache) load(key string) (*syftsbom.SBOM, bool) {
	f, err := os.Open(c.path(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, false
	}
	s, _, _, err := syftjson.NewFormatDecoder().Decode(zr)
	if err != nil || s == nil {
		return nil, false
	}
	return s, true
}

// store writes the entry beside its final name and renames it into place,
// so a reader never sees half an SBOM.
func (c *sbomCache) store(key string, s *syftsbom.SBOM) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache SBOM: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".partial-*")
	if err != nil {
		return fmt.Errorf("cache SBOM: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	enc, err := syftjson.NewFormatEncoderWithConfig(syftjson.EncoderConfig{})
	if err == nil {
		err = enc.Encode(zw, *s)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(key))
	}
	if err != nil {
		return fmt.Errorf("cache SBOM: %w", err)
	}
	return nil
}

// syftVersion is the syft module linked into this binary.
var syftVersion = moduleVersion("github.com/anchore/syft")

// buildIdentity tells apart two builds of vigil that share a version string
// (every development build says "dev"): the VCS revision and, for a build
// from a modified tree or without VCS data, the executable's size and time.
func buildIdentity() string {
	var id []string
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				id = append(id, s.Key+"="+s.Value)
			}
		}
	}
	if len(id) == 2 && slices.Contains(id, "vcs.modified=false") {
		return strings.Join(id, " ")
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			id = append(id, fmt.Sprintf("exe=%d@%d", fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	return strings.Join(id, " ")
}

// has says whether an entry exists, without reading it.
func (c *sbomCache) has(key string) bool {
	if _, err := os.Stat(c.path(key)); err != nil {
		return false
	}
	image.Touch(c.path(key))
	return true
}

// forget drops an entry and everything derived from it.
func (c *sbomCache) forget(key string) {
	matches, _ := filepath.Glob(filepath.Join(c.dir, key+"*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// matchPath is the match result of entry key against the DB identified by db.
// The "match2" name leaves behind entries of the earlier layout, which
// kept the distro in other fields.
func (c *sbomCache) matchPath(key, db string) string {
	h := sha256.Sum256([]byte(db))
	return filepath.Join(c.dir, key+".match2-"+hex.EncodeToString(h[:8])+".json.gz")
}

// documentPath is the SBOM of entry key encoded in one format, kept so a
// repeat scan writes the very same document without decoding the SBOM.
func (c *sbomCache) documentPath(key, format string) string {
	return filepath.Join(c.dir, key+".doc-"+format+".gz")
}

// readGzip returns a cached file's content, or false on a miss or damage.
func readGzip(path string) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, false
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, false
	}
	image.Touch(path)
	return b, true
}

// writeGzip writes a cache file atomically.
func (c *sbomCache) writeGzip(path string, data []byte) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".partial-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	zw, _ := gzip.NewWriterLevel(tmp, gzip.BestSpeed)
	_, err = zw.Write(data)
	if err == nil {
		err = zw.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cache %s: %w", filepath.Base(path), err)
	}
	return nil
}

func (c *sbomCache) loadMatch(key, db string) (*matched, bool) {
	b, ok := readGzip(c.matchPath(key, db))
	if !ok {
		return nil, false
	}
	var m matched
	if err := json.Unmarshal(b, &m); err != nil || m.Aliases == nil {
		return nil, false
	}
	return &m, true
}

func (c *sbomCache) storeMatch(key, db string, m *matched) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("cache match result: %w", err)
	}
	return c.writeGzip(c.matchPath(key, db), b)
}

// dbIdentity names one DB build: its build time and schema, and the file's
// size and modification time, so a DB rebuilt in place is a new identity.
func dbIdentity(st vulndb.Status) string {
	id := st.Built.UTC().Format(time.RFC3339Nano) + " " + st.SchemaVersion + " " + st.Path
	if fi, err := os.Stat(st.Path); err == nil {
		id += fmt.Sprintf(" %d@%d", fi.Size(), fi.ModTime().UnixNano())
	}
	return id
}
