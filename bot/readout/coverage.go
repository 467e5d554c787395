package readout

import (
	"context"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// CoverageFrom reads the inventory's coverage at a time: of the assets (one
// per digest) in the inventory, and in tier when one is given, how many a
// complete scan covered within window before at, and how many running
// images no scan ever covered. It returns nil when there is no inventory.
func CoverageFrom(ctx context.Context, l *ledger.Ledger, tier string, window time.Duration, at time.Time) (*Coverage, error) {
	views, err := l.Assets().AssetViews(ctx, ledger.AssetFilter{Tier: tier})
	if err != nil {
		return nil, fmt.Errorf("read inventory for coverage: %w", err)
	}
	if len(views) == 0 {
		return nil, nil
	}
	scanned, err := l.Assets().ScannedDigests(ctx)
	if err != nil {
		return nil, fmt.Errorf("read scans for coverage: %w", err)
	}
	c := &Coverage{Window: window, WindowDays: int(window / day), Assets: len(views)}
	for _, v := range views {
		last, ok := scanned[v.Digest]
		if ok && !last.Before(at.Add(-window)) && last.Before(at) {
			c.ScannedInWindow++
		}
		if !ok && len(v.Running) > 0 {
			c.RunningUnscanned++
		}
	}
	c.Ratio = float64(c.ScannedInWindow) / float64(c.Assets)
	return c, nil
}
