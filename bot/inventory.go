package bot

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/config"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// inventoryJob is the periodic inventory: list every source of the
// configuration into the ledger, with the ledger's scans deciding which
// running digests are gaps. A source that fails is logged and leaves its
// stored assets as they were; only a ledger error fails the job (River
// retries it).
func (s *Service) inventoryJob(cfg config.Config, env config.Getenv) func(ctx context.Context) error {
	m := newInventoryMetrics(s.metrics.reg)
	return func(ctx context.Context) error {
		results := inventory.List(ctx, config.Build(ctx, cfg, env), cfg.Workers)
		digests, err := s.ledger.Assets().ScannedDigests(ctx)
		if err != nil {
			return err
		}
		scanned := func(d string) (time.Time, bool) { t, ok := digests[d]; return t, ok }
		report := inventory.NewReport(results, cfg.Rules, true, scanned)
		m.set(report) // before the ledger: whoever sees the stored run sees its figures
		st, err := s.ledger.Assets().Record(ctx, report, s.now())
		if err != nil {
			return fmt.Errorf("record inventory: %w", err)
		}
		if err := s.trackCoverage(ctx, results, report, cfg.Rules, scanned); err != nil { // bot/gaps.go
			return err
		}
		if err := s.planCatalog(ctx, report); err != nil { // bot/catalog.go
			return err
		}
		failed := 0
		for _, r := range results {
			if r.Err != nil {
				failed++
				s.log.Warn("inventory source not listed", "source", r.Source, "type", r.Type, "err", r.Err.Error())
			}
		}
		s.log.Info("inventory listed", "sources", len(results), "failed", failed, "images", st.Images,
			"running", st.Running, "stopped", st.Stopped, "gaps", len(report.Gaps))
		return s.retireAssets(ctx)
	}
}

// retireAssets resolves the open findings of retired assets (gone from
// their registries, running nowhere) and reconciles their projects, under
// each project's lock like any delivery, so their issues close with a note.
// A crash in between is harmless: the next inventory finds what is left.
func (s *Service) retireAssets(ctx context.Context) error {
	fs, err := s.ledger.Assets().RetiredFindings(ctx)
	if err != nil {
		return err
	}
	byProject := map[int64][]ledger.Finding{}
	for _, f := range fs {
		byProject[f.ProjectID] = append(byProject[f.ProjectID], f)
	}
	for pid, pfs := range byProject {
		if err := s.retireInProject(ctx, pid, pfs); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) retireInProject(ctx context.Context, projectID int64, fs []ledger.Finding) error {
	unlock := s.locks.lock(projectID)
	defer unlock()
	err := s.ledger.Tx(ctx, func(tx *sql.Tx) error {
		for _, f := range fs {
			if err := s.ledger.ResolveFinding(ctx, tx, f, ledger.RetiredBy, s.now().UTC()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("retire findings of project %d: %w", projectID, err)
	}
	s.log.Info("findings of retired assets resolved", "project", fs[0].ProjectPath, "findings", len(fs))
	return s.tracker.Reconcile(ctx, projectID, fs[0].ProjectPath)
}

// inventoryMetrics are the last inventory's figures. Labels are source
// names from the operator's file and fixed gap kinds, never outside input.
type inventoryMetrics struct {
	assets *prometheus.GaugeVec
	up     *prometheus.GaugeVec
	gaps   *prometheus.GaugeVec
}

func newInventoryMetrics(reg *prometheus.Registry) inventoryMetrics {
	m := inventoryMetrics{
		assets: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_bot_inventory_assets",
			Help: "Assets the last inventory listed, by source."}, []string{"source"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_bot_inventory_source_up",
			Help: "1 when the source was listed by the last inventory, 0 when it failed."}, []string{"source"}),
		gaps: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_bot_inventory_gaps",
			Help: "Coverage gaps of the last inventory: sources not listed (source), running digests with no scan (unscanned) or a scan older than max_scan_age (stale)."}, []string{"kind"}),
	}
	reg.MustRegister(m.assets, m.up, m.gaps)
	return m
}

func (m inventoryMetrics) set(r inventory.Report) {
	for _, s := range r.Sources {
		m.assets.WithLabelValues(s.Source).Set(float64(s.Assets))
		up := 1.0
		if s.Error != "" {
			up = 0
		}
		m.up.WithLabelValues(s.Source).Set(up)
	}
	counts := map[string]int{"source": 0, "unscanned": 0, "stale": 0}
	for _, g := range r.Gaps {
		counts[g.Kind]++
	}
	for k, n := range counts {
		m.gaps.WithLabelValues(k).Set(float64(n))
	}
}
