package image

import (
	"fmt"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

const refNameAnnotation = "org.opencontainers.image.ref.name"

// fromLayout picks the image for plat out of an OCI image layout. A layout
// holding a single image is used whatever its platform.
func fromLayout(in Input, plat v1.Platform, o Options) (*Image, error) {
	idx, err := layout.ImageIndexFromPath(in.Ref)
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w", in.Ref, err)
	}
	desc, parent, err := pick(idx, plat)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", in.Ref, err)
	}
	v1img, err := parent.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: image %s: %w", in.Ref, desc.Digest, err)
	}
	img := &Image{Image: v1img, Input: in, Repository: o.Name, Digest: desc.Digest.String()}
	if desc.Platform != nil {
		img.Platform = desc.Platform.String()
	}
	if ref := desc.Annotations[refNameAnnotation]; ref != "" {
		repo, tag := splitRef(ref)
		if tag != "" {
			img.Tags = []string{tag}
		}
		if img.Repository == "" && repo != "" {
			img.Repository = repo
		}
	}
	if img.Repository == "" {
		img.Repository = filepath.Base(filepath.Clean(in.Ref))
	}
	return img, nil
}

// pick walks an index (and nested indexes) for the manifest matching plat.
func pick(idx v1.ImageIndex, plat v1.Platform) (v1.Descriptor, v1.ImageIndex, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	var images []v1.Descriptor
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsImage():
			images = append(images, d)
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return v1.Descriptor{}, nil, err
			}
			if found, parent, err := pick(child, plat); err == nil {
				if found.Annotations == nil {
					found.Annotations = d.Annotations
				}
				return found, parent, nil
			}
		}
	}
	if len(images) == 1 {
		return images[0], idx, nil
	}
	var seen []string
	for _, d := range images {
		if d.Platform != nil && d.Platform.Satisfies(plat) {
			return d, idx, nil
		}
		if d.Platform != nil {
			seen = append(seen, d.Platform.String())
		}
	}
	if len(images) == 0 {
		return v1.Descriptor{}, nil, fmt.Errorf("no image in index")
	}
	return v1.Descriptor{}, nil, fmt.Errorf("no image for platform %s (has %s): pass --platform", plat.String(), strings.Join(seen, ", "))
}

// splitRef separates "registry/repo:tag" into repository and tag; a bare
// "tag" annotation (as crane writes) has no repository.
func splitRef(ref string) (repo, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	if !strings.Contains(ref, "/") {
		return "", ref
	}
	return ref, ""
}
