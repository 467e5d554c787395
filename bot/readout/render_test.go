package readout

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// Every format carries the scripted February's numbers, as derived by hand
// in TestScriptedFebruary.
func TestEveryFormatCarriesTheNumbers(t *testing.T) {
	r := february2026(t, scriptedLedger(t), Scope{})
	// As TestCoverageFromInventory reads it: 1 of 4 assets scanned in 30 days.
	r.Coverage = &Coverage{WindowDays: 30, Assets: 4, ScannedInWindow: 1, Ratio: 0.25, RunningUnscanned: 1}
	render := func(f Format) string {
		var b bytes.Buffer
		if err := Render(&b, r, f); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}

	t.Run("json", func(t *testing.T) {
		var got Readout
		if err := json.Unmarshal([]byte(render(JSON)), &got); err != nil {
			t.Fatal(err)
		}
		want := Headline{Open: 5, PastDue: 1, New: 5, Fixed: 4, Compliance: Compliance{3, 2, 2.0 / 3},
			MTTR: Stats{4, 25.9375, 25.25, 46}}
		if got.Headline != want || got.Patches.MedianDaysToMerge != 6 || got.Exceptions.Expiring != 1 ||
			got.Severities[1].Compliance.WithinSLA != 1 || got.Groups[0].Group != "acme/api" {
			t.Errorf("json read-out = %+v", got)
		}
	})

	t.Run("csv", func(t *testing.T) {
		rows, err := csv.NewReader(strings.NewReader(render(CSV))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, row := range rows[1:] {
			got[row[0]+"/"+row[1]+"/"+row[2]] = row[3]
		}
		for k, v := range map[string]string{
			"headline//open": "5", "headline//past_due": "1", "headline//new": "5", "headline//fixed": "4",
			"headline//within_sla": "2", "headline//resolved_with_due": "3", "headline//mttr_median_days": "25.25",
			"headline//mttr_mean_days": "25.9375", "headline//mttr_p90_days": "46",
			"severity/High/compliance": "0.5", "severity/Medium/open_age_91-180d": "2", "severity/Medium/past_due": "1",
			"week/2026-02-02/new": "2", "week/2026-02-23/fixed": "1",
			"exceptions//active": "2", "exceptions//expiring": "1",
			"patches//opened": "3", "patches//merged": "3", "patches//auto_merged": "1", "patches//median_days_to_merge": "6",
			"coverage//assets": "4", "coverage//ratio": "0.25", "coverage//running_unscanned": "1",
			"group/acme/web/mttr_median_days": "36.25", "group/acme/api/past_due": "1", "top_project/acme/api/core/past_due": "1",
		} {
			if got[k] != v {
				t.Errorf("csv %s = %q, want %q", k, got[k], v)
			}
		}
	})

	t.Run("markdown", func(t *testing.T) {
		md := render(Markdown)
		for _, line := range []string{
			"| 5 | 1 | 5 | 4 | 66.7% (2/3) | 25.2d | 25.9d | 2 (1) | 3/3 |",
			"| Critical | 1 | 1 | 0 | 0 | 0 | 0 | 1 | 1 | 100.0% | 26.5 | 26.5 | 26.5 |",
			"| High | 1 | 1 | 0 | 0 | 0 | 0 | 2 | 2 | 50.0% | 26.6 | 26.6 | 46.0 |",
			"| Medium | 2 | 0 | 0 | 2 | 0 | 1 | 0 | 0 | — | 0.0 | 0.0 | 0.0 |",
			"| 2026-02-02 | 2 | 1 |",
			"| beta/tools/cli | accepted-risk | alice | 2026-03-20 | 1 |",
			"| 3 | 3 | 1 | 1 | 6.0 |",
			"| acme/api | 2 | 1 | 2 | 1 | 100.0% | 7.2 | 7.2 |",
			"| 4 | 1 | 25.0% | 1 |",
		} {
			if !strings.Contains(md, "\n"+line+"\n") {
				t.Errorf("markdown has no line %q:\n%s", line, md)
			}
		}
	})

	t.Run("html", func(t *testing.T) {
		page := render(HTML)
		for id, v := range map[string]string{"open": "5", "past-due": "1", "new": "5", "fixed": "4",
			"compliance": "66.7%", "mttr": "25.2d", "exceptions": "2", "patches": "3/3"} {
			if !strings.Contains(page, `id="`+id+`">`+v+`<`) {
				t.Errorf("html headline %s is not %s", id, v)
			}
		}
		for _, row := range []string{"<tr><td>High</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td><td>2</td><td>50.0%</td>",
			"<tr><td>acme/web</td><td>1</td><td>0</td><td>1</td><td>2</td><td>50.0%</td><td>36.2</td><td>46.0</td></tr>",
			"<tbody><tr><td>4</td><td>1</td><td>25.0%</td><td>1</td></tr></tbody>"} {
			if !strings.Contains(page, row) {
				t.Errorf("html has no row %s", row)
			}
		}
		figures := regexp.MustCompile(`(?s)<figure id="chart-([a-z-]+)"[^>]*><svg .*?</svg></figure>`).FindAllStringSubmatch(page, -1)
		if len(figures) != 4 {
			t.Fatalf("html has %d inline SVG charts, want 4", len(figures))
		}
		if strings.Contains(page, "<script") || regexp.MustCompile(`(src|href)="?https?:`).MatchString(page) {
			t.Error("the page loads something from elsewhere")
		}
		if !strings.Contains(page, "@media print") {
			t.Error("the page has no print styles")
		}
	})
}

// Charts are SVG drawings of the numbers: the bar labels are the values.
func TestChartsDrawTheNumbers(t *testing.T) {
	r := february2026(t, scriptedLedger(t), Scope{})
	cs, err := Charts(r)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
		if !bytes.HasPrefix(bytes.TrimSpace(c.SVG), []byte("<svg")) || !bytes.Contains(c.SVG, []byte("<path")) {
			t.Errorf("chart %s is not an SVG drawing: %.80s", c.Name, c.SVG)
		}
	}
	if strings.Join(names, ",") != "new-vs-fixed,open-by-severity,mttr-by-severity,sla-compliance" {
		t.Errorf("charts = %v", names)
	}
	mttr, err := ChartSVG(r, ChartMTTR)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{">26.5<", ">46<", ">24<"} { // Critical's mean, High's p90, Low's mean
		if !bytes.Contains(mttr, []byte(label)) {
			t.Errorf("MTTR chart has no label %s", label)
		}
	}
	if _, err := ChartSVG(r, "nope"); err == nil {
		t.Error("an unknown chart was drawn")
	}
}

// Names from outside (group and project paths) are text in every format.
func TestOutsideTextIsEscaped(t *testing.T) {
	l := scriptedLedger(t)
	evil := "evil/<img src=x onerror=alert(1)>|@all/p"
	if err := l.RecordEvents(t.Context(), ledger.Event{At: date("2026-02-10"), Kind: ledger.EventDetected,
		Fingerprint: "X1", Group: "GX", ProjectID: 9, ProjectPath: evil, Severity: 3}); err != nil {
		t.Fatal(err)
	}
	r := february2026(t, l, Scope{})
	var html, md, sheet bytes.Buffer
	if err := RenderHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, r, map[string]string{ChartMTTR: "/uploads/abc/mttr.svg"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html.String(), "<img src=x") || !strings.Contains(html.String(), "&lt;img src=x") {
		t.Error("html shows the group name as markup")
	}
	if strings.Contains(md.String(), "<img") || strings.Contains(md.String(), "@all") || !strings.Contains(md.String(), `&lt;img src=x onerror=alert(1)&gt;\|`) {
		t.Errorf("markdown shows the group name as markup:\n%s", md.String())
	}
	if !strings.Contains(md.String(), "![Time to remediate by severity (days)](/uploads/abc/mttr.svg)") {
		t.Error("markdown does not show the uploaded chart")
	}
	r.Groups = append(r.Groups, GroupRow{Group: "=HYPERLINK(\"http://x\")"})
	if err := RenderCSV(&sheet, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sheet.String(), "\n"+`group,=HYPERLINK`) {
		t.Error("csv lets a group name be a formula")
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"html": HTML, "md": Markdown, "markdown": Markdown, "csv": CSV, "json": JSON} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("pdf accepted")
	}
}
