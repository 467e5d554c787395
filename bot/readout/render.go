package readout

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
)

// Format is an output format of a read-out.
type Format string

// Formats.
const (
	HTML     Format = "html"
	Markdown Format = "md"
	CSV      Format = "csv"
	JSON     Format = "json"
)

// Formats lists every format, for flag help and checks.
var Formats = []Format{HTML, Markdown, CSV, JSON}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s || (f == Markdown && s == "markdown") {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown report format %q: want html, md, csv or json", s)
}

// Render writes the read-out in a format. Nothing is written when
// rendering fails.
func Render(w io.Writer, r *Readout, f Format) error {
	var buf bytes.Buffer
	var err error
	switch f {
	case HTML:
		err = RenderHTML(&buf, r)
	case Markdown:
		err = RenderMarkdown(&buf, r, nil)
	case CSV:
		err = RenderCSV(&buf, r)
	case JSON:
		err = RenderJSON(&buf, r)
	default:
		err = fmt.Errorf("unknown report format %q: want html, md, csv or json", f)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

//go:embed readout.html.tmpl
var htmlText string

//go:embed readout.md.tmpl
var mdText string

var funcs = map[string]any{
	"pct":     pct,
	"days":    days,
	"date":    func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"week":    func(t time.Time) string { return t.UTC().Format("Jan 02") },
	"last":    func(t time.Time) string { return t.UTC().Add(-time.Nanosecond).Format(time.DateOnly) },
	"md":      markdown.Inline,
	"url":     urlEscaper.Replace,
	"scope":   scopeText,
	"buckets": func() []string { return AgeBuckets },
	"mulf":    func(r float64) float64 { return 100 * r },
}

var (
	htmlTemplate = template.Must(template.New("readout.html").Funcs(funcs).Parse(htmlText))
	// Markdown is not HTML: html/template's escaping would garble it, so
	// it is a text template whose outside text goes through md.
	mdTemplate = texttemplate.Must(texttemplate.New("readout.md").Funcs(funcs).Parse(mdText))
)

// htmlPage is what the HTML template is given.
type htmlPage struct {
	*Readout
	Charts []htmlChart
}

type htmlChart struct {
	Name, Title string
	SVG         template.HTML
}

// RenderHTML writes the read-out as one self-contained page: numbers,
// tables and inline SVG charts, no script, print styles for PDF. Outside
// text (group and project names) is escaped by html/template; the SVG is
// the chart library's drawing of numbers, severities and dates only.
func RenderHTML(w io.Writer, r *Readout) error {
	cs, err := Charts(r)
	if err != nil {
		return err
	}
	page := htmlPage{Readout: r}
	for _, c := range cs {
		page.Charts = append(page.Charts, htmlChart{Name: c.Name, Title: c.Title, SVG: template.HTML(inlineSVG(c.SVG))})
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("render html read-out: %w", err)
	}
	return nil
}

// inlineSVG drops what only a standalone SVG file has (an XML declaration)
// so the drawing can sit in an HTML page.
func inlineSVG(b []byte) string {
	s := string(b)
	if strings.HasPrefix(s, "<?xml") {
		if i := strings.Index(s, "?>"); i >= 0 {
			s = s[i+2:]
		}
	}
	return strings.TrimSpace(s)
}

// RenderMarkdown writes the read-out as GitLab Markdown for an issue or a
// wiki page. images maps chart names (ChartNewVsFixed, …) to the URLs of
// their uploaded SVGs, shown as images; nil shows none. Outside text goes
// through bot/markdown.
func RenderMarkdown(w io.Writer, r *Readout, images map[string]string) error {
	page := mdPage{Readout: r}
	for _, c := range chartTitles {
		if u, ok := images[c[0]]; ok {
			page.Images = append(page.Images, mdImage{Title: c[1], URL: u})
		}
	}
	if err := mdTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("render markdown read-out: %w", err)
	}
	return nil
}

type mdPage struct {
	*Readout
	Images []mdImage
}

type mdImage struct{ Title, URL string }

// RenderJSON writes the read-out as indented JSON.
func RenderJSON(w io.Writer, r *Readout) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// RenderCSV writes every number of the read-out as one long table,
// section,item,metric,value, which spreadsheets pivot as they like.
func RenderCSV(w io.Writer, r *Readout) error {
	cw := csv.NewWriter(w)
	for _, row := range csvRows(r) {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// urlEscaper keeps an image URL one Markdown link target: nothing in it can
// end the link or the line.
var urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\n", "%0A", "\r", "%0D", "`", "%60")

func pct(c Compliance) string {
	if c.Resolved == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*c.Ratio, 'f', 1, 64) + "%"
}

func days(d float64) string { return strconv.FormatFloat(d, 'f', 1, 64) }

func scopeText(s Scope) string {
	var parts []string
	if s.Group != "" {
		parts = append(parts, "group "+s.Group)
	}
	if s.Project != "" {
		parts = append(parts, "project "+s.Project)
	}
	if s.Tier != "" {
		parts = append(parts, "tier "+s.Tier)
	}
	if len(s.Severities) > 0 {
		var names []string
		for _, v := range s.Severities {
			names = append(names, v.String())
		}
		parts = append(parts, "severity "+strings.Join(names, ", "))
	}
	if len(parts) == 0 {
		return "all projects"
	}
	return strings.Join(parts, "; ")
}
