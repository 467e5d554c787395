package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	"gitlab.com/vigil-vm/vigil/ci/image"
)

// projectCacheDir is the part of the cache directory root that scans of
// one project use: layers, blobs and SBOMs are shared between the images
// of a project and never between projects. A project's scan pulls every
// manifest itself, but a layer served from a shared cache would skip the
// registry's check that the project may read that blob, and another
// project's SBOM would tell it what that project's images hold.
func projectCacheDir(root, project string) string {
	if project == "" {
		return root
	}
	h := sha256.Sum256([]byte(project))
	return filepath.Join(root, "projects", hex.EncodeToString(h[:8]))
}

// withCacheScope points o.Image.CacheDir at the project's part of the cache
// and remembers the whole directory for Trim.
func withCacheScope(o Options) Options {
	if o.Image.CacheDir == "" || o.cacheRoot != "" {
		return o
	}
	o.cacheRoot = o.Image.CacheDir
	o.Image.CacheDir = projectCacheDir(o.cacheRoot, o.Project)
	// Not world-readable: on a runner shared by users, other users' jobs
	// cannot read what this one cached.
	_ = os.MkdirAll(o.Image.CacheDir, 0o700)
	return o
}

// trimCache evicts least recently used cache files beyond o.CacheMaxSize.
func trimCache(o Options) {
	if o.cacheRoot == "" || o.CacheMaxSize <= 0 {
		return
	}
	if err := image.Trim(o.cacheRoot, o.CacheMaxSize); err != nil {
		o.Log.Warn("cache not trimmed to --cache-max-size", "err", err)
	}
}
