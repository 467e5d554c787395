package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// Posted read-outs survive a restart, a period is recorded once, and the
// one before a period is the latest earlier one.
func TestReadoutsRecordOncePerPeriod(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	r := open(t, path).Readouts()
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	if _, err := r.Posted(ctx, "2026-10-01"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Posted before any = %v, want ErrNotFound", err)
	}
	for _, ro := range []Readout{
		{Period: "2026-09-01", ProjectID: 7, IssueIID: 1, WebURL: "https://gl/vm/readouts/-/issues/1", PostedAt: at.AddDate(0, -1, 0)},
		{Period: "2026-10-01", ProjectID: 7, IssueIID: 2, WebURL: "https://gl/vm/readouts/-/issues/2", PostedAt: at},
		{Period: "2026-10-01", ProjectID: 7, IssueIID: 3, WebURL: "https://gl/vm/readouts/-/issues/3", PostedAt: at},
	} {
		if err := r.Record(ctx, ro); err != nil {
			t.Fatal(err)
		}
	}
	r.l.DB().Close()
	r = open(t, path).Readouts()
	got, err := r.Posted(ctx, "2026-10-01")
	if err != nil || got.IssueIID != 2 || !got.PostedAt.Equal(at) {
		t.Errorf("Posted(2026-10-01) = %+v, %v; want issue 2 posted %v", got, err, at)
	}
	prev, err := r.Before(ctx, "2026-11-01")
	if err != nil || prev.Period != "2026-10-01" {
		t.Errorf("Before(2026-11-01) = %+v, %v; want 2026-10-01", prev, err)
	}
	prev, err = r.Before(ctx, "2026-10-01")
	if err != nil || prev.IssueIID != 1 {
		t.Errorf("Before(2026-10-01) = %+v, %v; want issue 1", prev, err)
	}
	if _, err := r.Before(ctx, "2026-09-01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Before the first = %v, want ErrNotFound", err)
	}
}
