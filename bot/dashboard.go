package bot

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// dashboardCoverageWindow is how recent a scan must be for an inventoried
// asset to count as covered on the dashboard and in the read-out issue:
// vigil report's default.
const dashboardCoverageWindow = 30 * 24 * time.Hour

//go:embed dashboard.html.tmpl
var dashboardFS embed.FS

// dashboardPages are the dashboard's pages; html/template escapes every
// value from outside (paths, names, ids) for its place in the page.
var dashboardPages = template.Must(template.New("").ParseFS(dashboardFS, "dashboard.html.tmpl"))

// dashboardRoutes serves GET /dashboard behind the read token or a GitLab
// sign-in, and its sign-in and sign-out (dashboard_auth.go,
// dashboard_oauth.go).
func (s *Service) dashboardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /dashboard", s.dashboardAuth(s.serveDashboard))
	mux.HandleFunc("POST /dashboard/sign-in", s.signIn)
	mux.HandleFunc("POST /dashboard/sign-out", s.signOut)
	mux.HandleFunc("GET /dashboard/oauth", s.oauthStart)
	mux.HandleFunc("GET /dashboard/oauth/callback", s.oauthCallback)
}

// dashboardView is what the dashboard page shows.
type dashboardView struct {
	Filter                  dashboardFilter
	Groups, Projects, Tiers []string
	SeverityNames           []string
	AgeBuckets              []string
	Numbers                 []dashNumber
	Charts                  []dashChart
	Severities              []dashSeverity
	Top                     []dashRanked
	GroupRows               []dashGroup
	Exceptions              []dashException
}

type dashGroup struct {
	Path, Link, PastDueLink   string
	Open, PastDue, New, Fixed int
	Compliance, MTTR          string
}

type dashException struct {
	Project, Kind, By, Expires, Link string
	Findings                         int
}

type dashNumber struct{ ID, Label, Value, Link string }

type dashChart struct {
	ID, Title, Link string
	SVG             template.HTML // rendered by readout's chart library from numbers, never from outside text unescaped
}

type dashSeverity struct {
	Name, Link, PastDueLink   string
	Open, PastDue, New, Fixed int
	Age                       [4]int
	Compliance, MTTR          string
}

type dashRanked struct {
	Kind, Path, Link string
	PastDue, Open    int
}

// serveDashboard computes the read-out of the filtered period and scope
// from the ledger's history and renders it, server-side.
func (s *Service) serveDashboard(w http.ResponseWriter, r *http.Request) {
	f, err := parseDashboardFilter(r.URL.Query(), s.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	opts := readout.Options{Since: f.Since, Until: f.Until, Scope: f.scope()}
	if opts.Coverage, err = readout.CoverageFrom(ctx, s.ledger, f.Tier, dashboardCoverageWindow, f.Until); err != nil {
		s.log.Error("compute dashboard coverage", "err", err)
		http.Error(w, "ledger unavailable", http.StatusServiceUnavailable)
		return
	}
	ro, err := readout.FromLedger(ctx, s.ledger, opts)
	if err != nil {
		s.log.Error("compute dashboard", "err", err)
		http.Error(w, "ledger unavailable", http.StatusServiceUnavailable)
		return
	}
	projects, tiers, err := s.ledger.Scopes(ctx)
	if err != nil {
		s.log.Error("list dashboard scopes", "err", err)
		http.Error(w, "ledger unavailable", http.StatusServiceUnavailable)
		return
	}
	v := dashboardView{
		Filter: f, Groups: groupsOf(projects), Projects: projects, Tiers: tiers,
		SeverityNames: []string{"critical", "high", "medium", "low", "negligible", "unknown"}, AgeBuckets: readout.AgeBuckets,
	}
	q := s.issueSearch(f)
	s.fillDashboard(&v, ro, q)
	if v.Charts, err = dashboardCharts(ro, q); err != nil {
		s.log.Error("render dashboard charts", "err", err)
		http.Error(w, "charts unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'")
	if err := dashboardPages.ExecuteTemplate(w, "dashboard", v); err != nil {
		s.log.Warn("render dashboard", "err", err)
	}
}

func (f dashboardFilter) scope() readout.Scope {
	sc := readout.Scope{Group: f.Group, Project: f.Project, Tier: f.Tier}
	if f.Severity != "" {
		sc.Severities = []findings.Severity{f.sev}
	}
	return sc
}

// issueSearch is the GitLab search of the filtered scope, with the
// default policy's labels.
func (s *Service) issueSearch(f dashboardFilter) issueSearch {
	q := issueSearch{base: strings.TrimSuffix(s.cfg.GitLabURL, "/"), group: f.Group, project: f.Project,
		labels: s.policies.Default.Labels, mrLabel: s.cfg.MergeRequests.BotLabel}
	if f.Severity != "" {
		q.severity = sla.Class(f.sev)
	}
	return q
}

// fillDashboard turns the read-out into the page's numbers and tables,
// each linked to the GitLab search that lists its issues.
func (s *Service) fillDashboard(v *dashboardView, ro *readout.Readout, q issueSearch) {
	h, l := ro.Headline, q.labels
	v.Numbers = []dashNumber{
		{"open", "open findings", strconv.Itoa(h.Open), q.issues("opened")},
		{"past-due", "past due", strconv.Itoa(h.PastDue), q.issues("opened", l.Breached)},
		{"new", "new in the period", strconv.Itoa(h.New), q.created(ro.Since, ro.Until)},
		{"fixed", "fixed in the period", strconv.Itoa(h.Fixed), q.issues("closed")},
		{"compliance", "fixed within SLA", percent(h.Compliance), q.issues("closed")},
		{"mttr", "mean time to remediate", days(h.MTTR.MeanDays, h.MTTR.Count), q.issues("closed")},
		{"exceptions", "exceptions in force", strconv.Itoa(ro.Exceptions.Active), q.issues("all", l.AcceptedRisk)},
		{"expiring", "exceptions expiring in 30 days", strconv.Itoa(ro.Exceptions.Expiring), q.issues("all", l.AcceptedRisk)},
		{"patches", "patch MRs merged / opened", fmt.Sprintf("%d / %d", ro.Patches.Merged, ro.Patches.Opened), q.mergeRequests("all")},
	}
	for _, row := range ro.Severities {
		cq := q.severityClass(sla.Class(row.Severity))
		v.Severities = append(v.Severities, dashSeverity{
			Name: row.Severity.String(), Link: cq.issues("opened"), PastDueLink: cq.issues("opened", l.Breached),
			Open: row.Open, PastDue: row.PastDue, New: row.New, Fixed: row.Fixed, Age: row.Age,
			Compliance: percent(row.Compliance),
			MTTR:       fmt.Sprintf("%s / %s / %s", days(row.MTTR.MeanDays, row.MTTR.Count), days(row.MTTR.MedianDays, row.MTTR.Count), days(row.MTTR.P90Days, row.MTTR.Count)),
		})
	}
	if c := ro.Coverage; c != nil {
		v.Numbers = append(v.Numbers, dashNumber{"coverage", fmt.Sprintf("assets scanned within %d days (%d of %d; %d running never scanned)", c.WindowDays, c.ScannedInWindow, c.Assets, c.RunningUnscanned),
			strconv.FormatFloat(100*c.Ratio, 'f', 0, 64) + "%", q.issues("opened")})
	}
	for _, g := range ro.Groups {
		gq := q.in(g.Group, false)
		v.GroupRows = append(v.GroupRows, dashGroup{Path: g.Group, Link: gq.issues("opened"), PastDueLink: gq.issues("opened", l.Breached),
			Open: g.Open, PastDue: g.PastDue, New: g.New, Fixed: g.Fixed, Compliance: percent(g.Compliance),
			MTTR: fmt.Sprintf("%s / %s", days(g.MTTR.MedianDays, g.MTTR.Count), days(g.MTTR.P90Days, g.MTTR.Count))})
	}
	for _, e := range ro.Exceptions.List {
		exp := "never"
		if !e.Expires.IsZero() {
			exp = e.Expires.Format(time.DateOnly)
		}
		label := l.AcceptedRisk
		if e.Kind == findings.FalsePositive {
			label = l.FalsePositive
		}
		v.Exceptions = append(v.Exceptions, dashException{Project: e.Project, Kind: string(e.Kind), By: e.By, Expires: exp,
			Link: q.in(e.Project, true).issues("all", label), Findings: e.Findings})
	}
	for _, g := range ro.TopGroups {
		v.Top = append(v.Top, dashRanked{"group", g.Path, q.in(g.Path, false).issues("opened", l.Breached), g.PastDue, g.Open})
	}
	for _, p := range ro.TopProjects {
		v.Top = append(v.Top, dashRanked{"project", p.Path, q.in(p.Path, true).issues("opened", l.Breached), p.PastDue, p.Open})
	}
}

func percent(c readout.Compliance) string {
	if c.Resolved == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*c.Ratio, 'f', 0, 64) + "%"
}

func days(d float64, n int) string {
	if n == 0 {
		return "–"
	}
	return strconv.FormatFloat(d, 'f', 1, 64) + " d"
}

// dashboardCharts renders readout's charts, each linked to the issues it
// counts.
func dashboardCharts(ro *readout.Readout, q issueSearch) ([]dashChart, error) {
	cs, err := readout.Charts(ro)
	if err != nil {
		return nil, err
	}
	links := map[string]string{
		readout.ChartNewVsFixed:     q.created(ro.Since, ro.Until),
		readout.ChartOpenBySeverity: q.issues("opened"),
		readout.ChartMTTR:           q.issues("closed"),
		readout.ChartCompliance:     q.issues("closed"),
	}
	out := make([]dashChart, 0, len(cs))
	for _, c := range cs {
		link, ok := links[c.Name]
		if !ok {
			link = q.issues("all")
		}
		out = append(out, dashChart{ID: c.Name, Title: c.Title, Link: link, SVG: template.HTML(svgElement(c.SVG))})
	}
	return out, nil
}

// svgElement is a standalone SVG document as an element of a page: the
// XML declaration a file needs is dropped. (readout keeps its own copy of
// this unexported; adapter until it exports one.)
func svgElement(doc []byte) string {
	s := strings.TrimSpace(string(doc))
	if strings.HasPrefix(s, "<?xml") {
		if i := strings.Index(s, "?>"); i >= 0 {
			s = s[i+2:]
		}
	}
	return strings.TrimSpace(s)
}
