package main

import (
	"context"

	"gitlab.com/vigil-vm/vigil/bot/monitor"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/scan"
)

// imageCataloger is the bot's monitor.Cataloger: ci/scan's inventory of an
// image, pulled with the bot's registry access (--insecure-registry,
// CS_REGISTRY_*/CI_REGISTRY_*, docker config) through the layer cache the
// base-image verifier also uses, trimmed to the scan's default bound.
type imageCataloger struct{ image image.Options }

var _ monitor.Cataloger = imageCataloger{}

func (c imageCataloger) Tools() (syft, vigil string) { return scan.SyftVersion(), vigilVersion() }

func (c imageCataloger) Catalog(ctx context.Context, repository, digest string) ([]byte, error) {
	return scan.Catalog(ctx, scan.Options{Target: "registry:" + repository + "@" + digest, Image: c.image,
		Version: vigilVersion(), CacheMaxSize: image.DefaultCacheMaxSize})
}
