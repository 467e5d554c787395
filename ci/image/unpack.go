package image

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Unpacking is an image prepared for stereoscope to read from one scratch
// directory: layers already in the uncompressed cache are linked there
// under the names stereoscope looks for, so it neither gunzips nor copies
// them; the others verify their content against the DiffID the image's
// config claims while stereoscope writes them there, and Keep adopts them
// into the cache once the read succeeded.
type Unpacking struct {
	Image v1.Image // what stereoscope reads
	Dir   string   // stereoscope's content directory; removed by Close
	store string   // the uncompressed cache; "" when there is none
	blobs string   // the compressed blob cache
	fresh []stagedLayer
}

type stagedLayer struct {
	diffID v1.Hash
	name   string // file name in Dir
}

// Unpack prepares img for stereoscope. With a layer cache (registry images
// with a cache directory) Dir lies inside the cache, so that links into it
// and out of it cost nothing; scratch is used otherwise.
func (img *Image) Unpack(scratch string) (*Unpacking, error) {
	if img.layers == "" {
		return &Unpacking{Image: img.Image, Dir: scratch}, nil
	}
	work := filepath.Join(img.layers, ".work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("layer cache: %w", err)
	}
	dir, err := os.MkdirTemp(work, "scan-")
	if err != nil {
		return nil, fmt.Errorf("layer cache: %w", err)
	}
	u := &Unpacking{Dir: dir, store: img.layers, blobs: img.blobs}
	u.Image, err = u.stage(img.Image)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return u, nil
}

// stage links the cached layers into u.Dir and wraps the others.
func (u *Unpacking) stage(img v1.Image) (v1.Image, error) {
	ls, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	if len(cf.RootFS.DiffIDs) != len(ls) {
		return nil, fmt.Errorf("image config lists %d DiffIDs for %d layers: refusing the image", len(cf.RootFS.DiffIDs), len(ls))
	}
	out := make([]v1.Layer, len(ls))
	for k, l := range ls {
		d := cf.RootFS.DiffIDs[k]
		if d.Algorithm != "sha256" {
			return nil, fmt.Errorf("layer %d: DiffID %s is not a sha256 digest", k, d)
		}
		// stereoscope's name for layer k (see its Layer.uncompressedCache).
		name := fmt.Sprintf("%d-%s", k, strings.ReplaceAll(d.String(), ":", "-"))
		out[k] = l
		if cached := u.path(d); os.Link(cached, filepath.Join(u.Dir, name)) == nil {
			Touch(cached)
			continue
		}
		out[k] = &verifyingLayer{Layer: l, diffID: d, blobs: u.blobs}
		u.fresh = append(u.fresh, stagedLayer{diffID: d, name: name})
	}
	return layersImage{Image: img, layers: out}, nil
}

func (u *Unpacking) path(d v1.Hash) string {
	return filepath.Join(u.store, d.Algorithm+"-"+d.Hex)
}

// Keep adopts the layers stereoscope wrote into the cache. Call it only
// after a successful read: every file stereoscope renamed into Dir was
// read to the end through verifyingLayer, whose sum matched its DiffID.
func (u *Unpacking) Keep() error {
	var errs []error
	for _, s := range u.fresh {
		err := os.Link(filepath.Join(u.Dir, s.name), u.path(s.diffID))
		if err != nil && !errors.Is(err, os.ErrExist) { // a concurrent scan kept it first
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("keep uncompressed layers: %w", err)
	}
	return nil
}

// Close removes the scratch directory (only the links, for cached layers).
func (u *Unpacking) Close() error {
	if u.store == "" {
		return nil // scratch belongs to the caller
	}
	return os.RemoveAll(u.Dir)
}

// layersImage is an image whose layers are replaced.
type layersImage struct {
	v1.Image
	layers []v1.Layer
}

func (i layersImage) Layers() ([]v1.Layer, error) { return i.layers, nil }

// verifyingLayer hashes its uncompressed stream while it is read and fails
// the read, instead of ending it, when the content is not the DiffID the
// image claims: an image naming another image's DiffID gets an error, not
// a cache entry that would poison that image's scans.
type verifyingLayer struct {
	v1.Layer
	diffID v1.Hash
	blobs  string // the blob cache, where a refused layer's blob is dropped
}

func (l *verifyingLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		return nil, err
	}
	return &verifyingReader{rc: rc, h: sha256.New(), layer: l}, nil
}

type verifyingReader struct {
	rc    io.ReadCloser
	h     hash.Hash
	layer *verifyingLayer
	bad   bool
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF {
		if sum := hex.EncodeToString(r.h.Sum(nil)); sum != r.layer.diffID.Hex {
			r.bad = true
			digest, _ := r.layer.Digest()
			return n, fmt.Errorf("layer %s: uncompressed content is sha256:%s, not the DiffID %s its image config claims: refusing the image", digest, sum, r.layer.diffID)
		}
	}
	return n, err
}

// Close also drops the compressed blob of a refused layer from the blob
// cache: nothing of a refused image is kept.
func (r *verifyingReader) Close() error {
	err := r.rc.Close()
	if r.bad && r.layer.blobs != "" {
		if d, derr := r.layer.Digest(); derr == nil {
			os.Remove(filepath.Join(r.layer.blobs, d.Algorithm+"-"+d.Hex))
		}
	}
	return err
}
