package options

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Report is `vigil report`'s settings.
type Report struct {
	Since, Until   string
	Group          string
	Project        string
	Tier           string
	Severity       string
	Format         string
	Output         string
	Data           string
	GroupDepth     int
	Top            int
	CoverageWindow time.Duration
}

// DefaultReport is Report before flags: last calendar month, HTML, on stdout.
func DefaultReport() Report {
	return Report{Format: string(readout.HTML), Data: "vigil.db", Top: 10, CoverageWindow: 30 * 24 * time.Hour}
}

// AddFlags registers the report's flags.
func (o *Report) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Since, "since", o.Since, "first day of the period, YYYY-MM-DD or RFC 3339 (default: the first day of last month)")
	fs.StringVar(&o.Until, "until", o.Until, "end of the period, exclusive, YYYY-MM-DD or RFC 3339 (default: the first day of this month)")
	fs.StringVar(&o.Group, "group", o.Group, "only projects in this GitLab group and its subgroups")
	fs.StringVar(&o.Project, "project", o.Project, "only this project (path with namespace)")
	fs.StringVar(&o.Tier, "tier", o.Tier, "only findings in images of this inventory tier")
	fs.StringVar(&o.Severity, "severity", o.Severity, "only these severities, comma-separated (critical,high,…)")
	fs.StringVar(&o.Format, "format", o.Format, "output format: html, md, csv or json")
	fs.StringVarP(&o.Output, "output", "o", o.Output, "write the report to this file instead of standard output")
	fs.StringVar(&o.Data, "data", o.Data, "the bot's ledger (its --data SQLite file)")
	fs.IntVar(&o.GroupDepth, "group-depth", o.GroupDepth, "path segments naming a group in the per-group table (0: the project's whole namespace)")
	fs.IntVar(&o.Top, "top", o.Top, "groups and projects listed in the past-due ranking")
	fs.DurationVar(&o.CoverageWindow, "coverage-window", o.CoverageWindow, "an inventoried asset is covered when a scan saw it within this long before --until")
}

// Options checks the settings and returns the read-out's options and
// format; now gives the default period.
func (o *Report) Options(now time.Time) (readout.Options, readout.Format, error) {
	f, err := readout.ParseFormat(o.Format)
	if err != nil {
		return readout.Options{}, "", err
	}
	y, m, _ := now.UTC().Date()
	thisMonth := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	ro := readout.Options{Since: thisMonth.AddDate(0, -1, 0), Until: thisMonth, GroupDepth: o.GroupDepth, Top: o.Top,
		Scope: readout.Scope{Group: strings.Trim(o.Group, "/"), Project: strings.Trim(o.Project, "/"), Tier: o.Tier}}
	if o.Since != "" {
		if ro.Since, err = parseDay(o.Since); err != nil {
			return readout.Options{}, "", fmt.Errorf("--since: %w", err)
		}
	}
	if o.Until != "" {
		if ro.Until, err = parseDay(o.Until); err != nil {
			return readout.Options{}, "", fmt.Errorf("--until: %w", err)
		}
	}
	if !ro.Since.Before(ro.Until) {
		return readout.Options{}, "", fmt.Errorf("--since %s is not before --until %s", ro.Since.Format(time.DateOnly), ro.Until.Format(time.DateOnly))
	}
	for _, name := range strings.Split(o.Severity, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		s, err := findings.ParseSeverity(name)
		if err != nil {
			return readout.Options{}, "", fmt.Errorf("--severity: %w", err)
		}
		ro.Scope.Severities = append(ro.Scope.Severities, s)
	}
	if o.GroupDepth < 0 || o.Top < 0 || o.CoverageWindow < 0 {
		return readout.Options{}, "", fmt.Errorf("--group-depth, --top and --coverage-window cannot be negative")
	}
	return ro, f, nil
}

func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want YYYY-MM-DD or an RFC 3339 time, got %q", s)
	}
	return t.UTC(), nil
}
