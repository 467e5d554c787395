package bot

import (
	"time"
)

// readoutPeriod is one period a scheduled read-out covers: [Start, End) in
// UTC, named by its start date.
type readoutPeriod struct {
	Start, End time.Time
	weekly     bool
}

// Key names the period in the ledger: its start date.
func (p readoutPeriod) Key() string { return p.Start.Format(time.DateOnly) }

// Title is the read-out issue's title; the bot finds its issue again by it.
func (p readoutPeriod) Title() string {
	if p.weekly {
		return "Vulnerability read-out: week of " + p.Key()
	}
	return "Vulnerability read-out: " + p.Start.Format("January 2006")
}

// dueReadout is the latest period whose posting time has passed at now:
// day ReadoutDay after the month (or weekday after the week) it covers.
// Only the latest is posted: a bot started late, or a schedule just turned
// on, does not backfill a year of issues.
func (c *ReadoutConfig) dueReadout(now time.Time) readoutPeriod {
	now = now.UTC()
	if c.ReadoutPeriod == ReadoutWeekly {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		if now.Before(monday.AddDate(0, 0, c.ReadoutDay-1)) {
			monday = monday.AddDate(0, 0, -7)
		}
		return readoutPeriod{Start: monday.AddDate(0, 0, -7), End: monday, weekly: true}
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if now.Before(month.AddDate(0, 0, c.ReadoutDay-1)) {
		month = month.AddDate(0, -1, 0)
	}
	return readoutPeriod{Start: month.AddDate(0, -1, 0), End: month}
}
