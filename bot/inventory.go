package bot

import (
	"context"
	"fmt"
	"os"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/config"
)

// inventoryJob is the periodic inventory: list every source of the
// configuration into the ledger, with the ledger's scans deciding which
// running digests are gaps. A source that fails is logged and leaves its
// stored assets as they were; only a ledger error fails the job (River
// retries it).
func (s *Service) inventoryJob(cfg config.Config) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		results := inventory.List(ctx, config.Build(ctx, cfg, os.Getenv), cfg.Workers)
		digests, err := s.ledger.Assets().ScannedDigests(ctx)
		if err != nil {
			return err
		}
		report := inventory.NewReport(results, cfg.Rules, true, func(d string) bool { return digests[d] })
		st, err := s.ledger.Assets().Record(ctx, report, s.now())
		if err != nil {
			return fmt.Errorf("record inventory: %w", err)
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
		return nil
	}
}
