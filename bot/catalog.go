package bot

import (
	"context"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/monitor"
	"gitlab.com/vigil-vm/vigil/bot/queue"
)

// WithCataloger gives continuous monitoring an SBOM of every inventoried
// image with an owner: one that no scan job left an SBOM for, or whose SBOM
// another syft made, is pulled and cataloged once (a River job each), kept
// for its owner project and matched against the current DB build at once.
// It needs WithMonitor and an inventory; the cataloger comes from
// cmd/vigil (ci/scan), as the matcher does.
func WithCataloger(c monitor.Cataloger) Option { return func(o *options) { o.cataloger = c } }

// planCatalog enqueues, after an inventory run, the inventoried images with
// an owner that monitoring holds no SBOM of by the cataloger's syft. An
// image without an owner has no project for its issues; it stays a
// coverage gap only.
func (s *Service) planCatalog(ctx context.Context, r inventory.Report) error {
	if s.cataloger == nil || s.monitor == nil {
		return nil
	}
	syft, _ := s.cataloger.Tools()
	seen, err := s.ledger.SBOMs().BySyft(ctx, syft) // stored, or planned below
	if err != nil {
		return err
	}
	var jobs []queue.CatalogArgs
	for _, a := range r.Assets {
		if a.Digest == "" || a.Repository == "" || a.Owner == "" || seen[a.Digest] {
			continue
		}
		seen[a.Digest] = true
		jobs = append(jobs, queue.CatalogArgs{Repository: a.Repository, Digest: a.Digest, Owner: a.Owner})
	}
	if len(jobs) > 0 {
		s.log.Info("inventoried images to catalog for monitoring", "images", len(jobs))
	}
	return s.queue.EnqueueCatalog(ctx, jobs)
}

// catalogImage is one CatalogArgs job. An owner that is no project the bot
// can see ends the job (the next inventory tries again); a pull or catalog
// failure is retried by the queue.
func (s *Service) catalogImage(ctx context.Context, a queue.CatalogArgs) error {
	syft, _ := s.cataloger.Tools()
	if has, err := s.ledger.SBOMs().Has(ctx, a.Digest, syft, ""); err != nil || has {
		return err
	}
	p, resp, err := s.gl.Projects.GetProject(a.Owner, nil, gitlab.WithContext(ctx))
	if err != nil {
		err = gitlabapi.Wrap("look up owner project "+a.Owner, resp, err)
		if gitlabapi.Permanent(err) {
			s.log.Warn("inventoried image not cataloged: its owner is no project the bot can see", "image", a.Repository+"@"+a.Digest, "err", err.Error())
			return nil
		}
		return err
	}
	doc, err := s.cataloger.Catalog(ctx, a.Repository, a.Digest)
	if err != nil {
		return fmt.Errorf("catalog %s@%s: %w", a.Repository, a.Digest, err)
	}
	docSyft, docVigil := ingest.SBOMTools(doc)
	sb := ledger.SBOM{Digest: a.Digest, Repository: a.Repository, ProjectID: p.ID, ProjectPath: p.PathWithNamespace,
		SyftVersion: docSyft, VigilVersion: docVigil, Document: doc, StoredAt: s.now()}
	if err := s.ledger.SBOMs().Put(ctx, sb); err != nil {
		return err
	}
	cur, ok, err := s.ledger.SBOMs().CurrentBuild(ctx)
	if err != nil || !ok {
		return err // the first check matches it
	}
	b := monitor.Build{Checksum: cur.Checksum, Built: cur.Built, Schema: cur.Schema, Dir: cur.Dir}
	if err := s.rematch(ctx, b, sb, queue.MonitorBatchArgs{}); err != nil {
		return fmt.Errorf("match SBOM of %s against %s: %w", a.Digest, b.Name(), err)
	}
	return nil
}
