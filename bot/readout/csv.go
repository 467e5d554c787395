package readout

import (
	"strconv"
	"time"
)

// csvRows flattens the read-out: one row per number. Names from outside
// (groups, projects) are cells of their own, never formulas: a cell that
// would start one is prefixed with a quote, as spreadsheets expect.
func csvRows(r *Readout) [][]string {
	rows := [][]string{{"section", "item", "metric", "value"}}
	add := func(section, item, metric string, v any) {
		rows = append(rows, []string{section, cell(item), metric, value(v)})
	}
	add("period", "", "since", r.Since.Format(time.RFC3339))
	add("period", "", "until", r.Until.Format(time.RFC3339))
	h := r.Headline
	for _, kv := range []struct {
		k string
		v any
	}{{"open", h.Open}, {"past_due", h.PastDue}, {"new", h.New}, {"fixed", h.Fixed}} {
		add("headline", "", kv.k, kv.v)
	}
	addCompliance(add, "headline", "", h.Compliance)
	addStats(add, "headline", "", h.MTTR)
	for _, s := range r.Severities {
		n := s.Severity.String()
		add("severity", n, "open", s.Open)
		for i, b := range AgeBuckets {
			add("severity", n, "open_age_"+b, s.Age[i])
		}
		add("severity", n, "past_due", s.PastDue)
		add("severity", n, "new", s.New)
		add("severity", n, "fixed", s.Fixed)
		addCompliance(add, "severity", n, s.Compliance)
		addStats(add, "severity", n, s.MTTR)
	}
	for _, w := range r.Weeks {
		d := w.Start.Format(time.DateOnly)
		add("week", d, "new", w.New)
		add("week", d, "fixed", w.Fixed)
	}
	add("exceptions", "", "active", r.Exceptions.Active)
	add("exceptions", "", "expiring", r.Exceptions.Expiring)
	p := r.Patches
	add("patches", "", "opened", p.Opened)
	add("patches", "", "merged", p.Merged)
	add("patches", "", "auto_merged", p.AutoMerged)
	add("patches", "", "closed", p.Closed)
	add("patches", "", "median_days_to_merge", p.MedianDaysToMerge)
	if c := r.Coverage; c != nil {
		add("coverage", "", "assets", c.Assets)
		add("coverage", "", "scanned_in_window", c.ScannedInWindow)
		add("coverage", "", "ratio", c.Ratio)
		add("coverage", "", "running_unscanned", c.RunningUnscanned)
	}
	for _, g := range r.Groups {
		add("group", g.Group, "open", g.Open)
		add("group", g.Group, "past_due", g.PastDue)
		add("group", g.Group, "new", g.New)
		add("group", g.Group, "fixed", g.Fixed)
		addCompliance(add, "group", g.Group, g.Compliance)
		addStats(add, "group", g.Group, g.MTTR)
	}
	for _, t := range r.TopProjects {
		add("top_project", t.Path, "past_due", t.PastDue)
	}
	return rows
}

type adder func(section, item, metric string, v any)

func addCompliance(add adder, section, item string, c Compliance) {
	add(section, item, "resolved_with_due", c.Resolved)
	add(section, item, "within_sla", c.WithinSLA)
	add(section, item, "compliance", c.Ratio)
}

func addStats(add adder, section, item string, s Stats) {
	add(section, item, "mttr_count", s.Count)
	add(section, item, "mttr_mean_days", s.MeanDays)
	add(section, item, "mttr_median_days", s.MedianDays)
	add(section, item, "mttr_p90_days", s.P90Days)
}

func value(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return ""
}

// cell keeps a spreadsheet from reading outside text as a formula.
func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
