package scan

import (
	"context"
	"fmt"
	"path/filepath"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

type inventoryResult struct {
	sbom     *sbom.Result
	asset    findings.Asset
	imageRef string // what GitLab's report shows as location.image
}

// inventory acquires the target (pulling an image once) and catalogs it.
func inventory(ctx context.Context, o Options) (*inventoryResult, error) {
	in, err := image.ParseInput(o.Target)
	if err != nil {
		return nil, err
	}
	switch in.Kind {
	case image.KindSBOM:
		o.Progress.Start("sbom")
		s, err := sbom.Decode(in.Ref)
		if err != nil {
			return nil, err
		}
		repo := o.Image.Name
		if repo == "" {
			repo = s.Source.Name
		}
		if repo == "" {
			repo = filepath.Base(in.Ref)
		}
		asset := findings.Asset{Kind: "sbom", Repository: repo}
		if s.Source.Version != "" && len(s.Source.Version) > 7 && s.Source.Version[:7] == "sha256:" {
			asset.Digest = s.Source.Version
		}
		o.Progress.Done(fmt.Sprintf("%d packages from %s", s.Artifacts.Packages.PackageCount(), in.Ref))
		return &inventoryResult{sbom: &sbom.Result{SBOM: s, Source: s.Source}, asset: asset, imageRef: repo}, nil
	case image.KindDir:
		o.Progress.Start("catalog")
		res, err := sbom.FromDir(ctx, in.Ref, "vigil", o.Version)
		if err != nil {
			return nil, err
		}
		repo := o.Image.Name
		if repo == "" {
			abs, _ := filepath.Abs(in.Ref)
			repo = filepath.Base(abs)
		}
		o.Progress.Done(fmt.Sprintf("%d packages", res.SBOM.Artifacts.Packages.PackageCount()))
		return &inventoryResult{sbom: res, asset: findings.Asset{Kind: "dir", Repository: repo}, imageRef: repo}, nil
	}

	o.Progress.Start("pull")
	img, err := image.Acquire(ctx, in, o.Image)
	if err != nil {
		return nil, err
	}
	o.Progress.Done(fmt.Sprintf("%s@%s (%s)", img.Repository, img.Digest, img.Platform))
	res, err := catalogImage(ctx, o, img)
	if err != nil {
		return nil, err
	}
	asset := findings.Asset{Kind: "image", Repository: img.Repository, Digest: img.Digest, Tags: img.Tags, Platform: img.Platform}
	ref := img.Repository + "@" + img.Digest
	if len(img.Tags) > 0 {
		ref = img.Repository + ":" + img.Tags[0]
	}
	return &inventoryResult{sbom: res, asset: asset, imageRef: ref}, nil
}

// catalogImage inventories an acquired image, or reads the SBOM a previous
// scan cached for the same digest: then no layer is read at all.
func catalogImage(ctx context.Context, o Options, img *image.Image) (*sbom.Result, error) {
	o.Progress.Start("catalog")
	cache := newSBOMCache(o.Image.CacheDir)
	var key string
	if cache != nil {
		key = cache.key(img.Digest, img.Repository, img.Tags, o.Version)
		if s, ok := cache.load(key); ok {
			o.Progress.Done(fmt.Sprintf("%d packages (SBOM cached for this digest)", s.Artifacts.Packages.PackageCount()))
			return &sbom.Result{SBOM: s, Source: s.Source}, nil
		}
	}
	res, err := sbom.FromImage(ctx, img, "vigil", o.Version)
	if err != nil {
		return nil, err
	}
	if cache != nil {
		if err := cache.store(key, res.SBOM); err != nil {
			o.Log.Warn("SBOM not cached; the next scan of this digest catalogs it again", "err", err)
		}
	}
	o.Progress.Done(fmt.Sprintf("%d packages", res.SBOM.Artifacts.Packages.PackageCount()))
	return res, nil
}
