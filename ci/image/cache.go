package image

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/cache"
	"github.com/google/go-containerregistry/pkg/v1/types"
	kgzip "github.com/klauspost/compress/gzip"
)

// layerImage serves an image's layers through go-containerregistry's cache
// (cache.Image) backed by blobCache: compressed blobs by digest in dir (no
// cache when dir is ""), decompressed with klauspost/compress, about twice
// as fast as compress/gzip. cache.Image asks each layer's DiffID before
// reading it, so the layers get theirs from the config (configDiffIDs).
//
// blobCache replaces ggcr's filesystem cache, which on a miss writes every
// layer twice (compressed and uncompressed), hashes an uncompressed stream
// to learn a layer's DiffID when the image cannot say, and on a hit
// re-compresses the uncompressed copy to recompute its digest: on the
// benchmark image that made a scan with a warm layer cache slower than one
// with none.
func layerImage(img v1.Image, dir string) v1.Image {
	return cache.Image(configDiffIDs{img}, blobCache{dir: dir})
}

// configDiffIDs gives each layer the DiffID its image's config lists.
// go-containerregistry's OCI layout layers cannot say it, so asking (as its
// cache does before decompressing) gunzipped the whole layer once more only
// to hash it: a third of a cold oci-layout scan's CPU on the benchmark
// image. Registry layers read the same config.
type configDiffIDs struct{ v1.Image }

func (i configDiffIDs) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, err
	}
	cf, err := i.ConfigFile()
	if err != nil || len(cf.RootFS.DiffIDs) != len(ls) {
		return ls, nil // go-containerregistry computes them
	}
	out := make([]v1.Layer, len(ls))
	for k, l := range ls {
		out[k] = diffIDLayer{l, cf.RootFS.DiffIDs[k]}
	}
	return out, nil
}

type diffIDLayer struct {
	v1.Layer
	diffID v1.Hash
}

func (l diffIDLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// blobCache is a cache.Cache of compressed layer blobs. Put wraps a layer so
// that reading it serves the cached blob, or fills the cache while
// streaming; Get reports a miss, so every read goes through Put's wrapper,
// which knows the layer it stands for (digest, media type, DiffID) without
// reading the blob again.
type blobCache struct{ dir string }

func (c blobCache) Put(l v1.Layer) (v1.Layer, error) { return &cachingLayer{Layer: l, dir: c.dir}, nil }
func (c blobCache) Get(v1.Hash) (v1.Layer, error)    { return nil, cache.ErrNotFound }
func (c blobCache) Delete(h v1.Hash) error {
	return os.Remove(filepath.Join(c.dir, h.Algorithm+"-"+h.Hex))
}

type cachingLayer struct {
	v1.Layer
	dir string
}

func (l *cachingLayer) path(d v1.Hash) string {
	return filepath.Join(l.dir, d.Algorithm+"-"+d.Hex)
}

// Compressed reads the blob from the cache, or from the registry while
// copying it into the cache. The copy becomes visible only once read to the
// end: go-containerregistry's registry client checks a blob's digest and
// size as it streams and reports a mismatch instead of io.EOF, so only a
// verified blob is kept. Only registry images are cached (Acquire).
func (l *cachingLayer) Compressed() (io.ReadCloser, error) {
	if l.dir == "" {
		return l.Layer.Compressed()
	}
	d, err := l.Digest()
	if err != nil {
		return nil, err
	}
	if f, err := os.Open(l.path(d)); err == nil {
		Touch(l.path(d))
		return f, nil
	}
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	if os.MkdirAll(l.dir, 0o700) != nil {
		return rc, nil
	}
	tmp, err := os.CreateTemp(l.dir, ".partial-*")
	if err != nil {
		return rc, nil // caching is best effort
	}
	return &teeToCache{rc: rc, tmp: tmp, dst: l.path(d)}, nil
}

// Uncompressed decompresses the (cached) compressed blob.
func (l *cachingLayer) Uncompressed() (io.ReadCloser, error) {
	mt, err := l.MediaType()
	if err != nil {
		return nil, err
	}
	switch mt {
	case types.DockerLayer, types.OCILayer, types.DockerForeignLayer, types.OCIRestrictedLayer:
	default: // zstd, uncompressed or unknown: go-containerregistry knows them
		return l.Layer.Uncompressed()
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	// gzip would read (and the cache write) 4 KiB at a time: a syscall
	// each. A large buffer makes that a few hundred per layer.
	zr, err := kgzip.NewReader(bufio.NewReaderSize(rc, 1<<20))
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decompress layer: %w", err)
	}
	return &gunzipper{zr: zr, rc: rc}, nil
}

type gunzipper struct {
	zr *kgzip.Reader
	rc io.ReadCloser
}

func (g *gunzipper) Read(p []byte) (int, error) { return g.zr.Read(p) }

func (g *gunzipper) Close() error {
	return errors.Join(g.zr.Close(), g.rc.Close())
}

// teeToCache copies what is read into tmp and, once rc reaches io.EOF,
// renames it to dst.
type teeToCache struct {
	rc   io.ReadCloser
	tmp  *os.File
	dst  string
	eof  bool
	werr error
}

func (t *teeToCache) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 && t.werr == nil {
		_, t.werr = t.tmp.Write(p[:n])
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

func (t *teeToCache) Close() error {
	err := t.rc.Close()
	cerr := t.tmp.Close()
	if t.eof && t.werr == nil && cerr == nil {
		if os.Rename(t.tmp.Name(), t.dst) == nil {
			return err
		}
	}
	os.Remove(t.tmp.Name())
	return err
}
