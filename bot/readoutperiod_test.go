package bot

import (
	"testing"
	"time"
)

// The period posted is the latest whose posting day has passed.
func TestDueReadout(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		period string
		day    int
		now    string
		key    string
		title  string
	}{
		{ReadoutMonthly, 1, "2026-12-01T00:00:00Z", "2026-11-01", "Vulnerability read-out: November 2026"},
		{ReadoutMonthly, 1, "2026-11-30T23:59:59Z", "2026-10-01", "Vulnerability read-out: October 2026"},
		{ReadoutMonthly, 3, "2026-12-02T12:00:00Z", "2026-10-01", "Vulnerability read-out: October 2026"},
		{ReadoutMonthly, 3, "2026-12-03T00:00:00Z", "2026-11-01", "Vulnerability read-out: November 2026"},
		{ReadoutMonthly, 1, "2027-01-15T08:00:00+05:00", "2026-12-01", "Vulnerability read-out: December 2026"},
		// 2026-12-02 is a Wednesday; weeks start on Monday.
		{ReadoutWeekly, 1, "2026-12-02T10:00:00Z", "2026-11-23", "Vulnerability read-out: week of 2026-11-23"},
		{ReadoutWeekly, 4, "2026-12-02T10:00:00Z", "2026-11-16", "Vulnerability read-out: week of 2026-11-16"},
		{ReadoutWeekly, 7, "2026-12-06T00:00:00Z", "2026-11-23", "Vulnerability read-out: week of 2026-11-23"},
	} {
		c := ReadoutConfig{ReadoutPeriod: tc.period, ReadoutDay: tc.day}
		p := c.dueReadout(at(tc.now))
		if p.Key() != tc.key || p.Title() != tc.title {
			t.Errorf("%s day %d at %s: %s %q, want %s %q", tc.period, tc.day, tc.now, p.Key(), p.Title(), tc.key, tc.title)
		}
		length := p.End.Sub(p.Start)
		if tc.period == ReadoutWeekly && length != 7*24*time.Hour || tc.period == ReadoutMonthly && p.End != p.Start.AddDate(0, 1, 0) {
			t.Errorf("%s at %s: period %v to %v", tc.period, tc.now, p.Start, p.End)
		}
	}
}
