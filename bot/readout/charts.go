package readout

import (
	"fmt"
	"math"
	"strconv"

	"github.com/go-analyze/charts"
)

// Chart names, stable: the dashboard and the monthly issue refer to them.
const (
	ChartNewVsFixed     = "new-vs-fixed"
	ChartOpenBySeverity = "open-by-severity"
	ChartMTTR           = "mttr-by-severity"
	ChartCompliance     = "sla-compliance"
)

// chartTitles are the charts' names and titles, in the read-out's order.
var chartTitles = [][2]string{
	{ChartNewVsFixed, "New vs fixed per week"},
	{ChartOpenBySeverity, "Open by severity"},
	{ChartMTTR, "Time to remediate by severity (days)"},
	{ChartCompliance, "Resolved within SLA by severity (%)"},
}

// Chart is one trend chart of a read-out, rendered as a standalone SVG
// document.
type Chart struct {
	Name  string
	Title string
	SVG   []byte
}

const chartWidth, chartHeight = 640, 320

// Charts renders the read-out's charts server-side with go-analyze/charts:
// new vs fixed per week, open by severity, MTTR by severity and SLA
// compliance by severity.
func Charts(r *Readout) ([]Chart, error) {
	var weeks []string
	var news, fixed []float64
	for _, w := range r.Weeks {
		weeks = append(weeks, w.Start.Format("Jan 02"))
		news, fixed = append(news, float64(w.New)), append(fixed, float64(w.Fixed))
	}
	var sevs []string
	var open, pastDue, mean, median, p90, compliance []float64
	for _, s := range r.Severities {
		sevs = append(sevs, s.Severity.String())
		open, pastDue = append(open, float64(s.Open)), append(pastDue, float64(s.PastDue))
		// No finding fixed, or none with a due date: no bar rather than a zero.
		m, md, p, c := charts.GetNullValue(), charts.GetNullValue(), charts.GetNullValue(), charts.GetNullValue()
		if s.MTTR.Count > 0 {
			m, md, p = s.MTTR.MeanDays, s.MTTR.MedianDays, s.MTTR.P90Days
		}
		if s.Compliance.Resolved > 0 {
			c = 100 * s.Compliance.Ratio
		}
		mean, median, p90, compliance = append(mean, m), append(median, md), append(p90, p), append(compliance, c)
	}
	specs := []struct {
		name, title string
		labels      []string
		series      []string
		values      [][]float64
		axis        charts.ValueAxisOption
	}{
		{ChartNewVsFixed, chartTitles[0][1], weeks, []string{"New", "Fixed"}, [][]float64{news, fixed}, countAxis()},
		{ChartOpenBySeverity, chartTitles[1][1], sevs, []string{"Open", "Past due"}, [][]float64{open, pastDue}, countAxis()},
		{ChartMTTR, chartTitles[2][1], sevs, []string{"Mean", "Median", "P90"}, [][]float64{mean, median, p90},
			charts.ValueAxisOption{Min: charts.Ptr(0.0), ValueFormatter: decimal}},
		{ChartCompliance, chartTitles[3][1], sevs, []string{"Within SLA"}, [][]float64{compliance},
			charts.ValueAxisOption{Min: charts.Ptr(0.0), Max: charts.Ptr(100.0), LabelCount: 6, ValueFormatter: decimal}},
	}
	out := make([]Chart, 0, len(specs))
	for _, s := range specs {
		svg, err := barChart(s.title, s.labels, s.series, s.values, s.axis)
		if err != nil {
			return nil, fmt.Errorf("render chart %s: %w", s.name, err)
		}
		out = append(out, Chart{Name: s.name, Title: s.title, SVG: svg})
	}
	return out, nil
}

// ChartSVG returns one chart of the read-out by name.
func ChartSVG(r *Readout, name string) ([]byte, error) {
	cs, err := Charts(r)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Name == name {
			return c.SVG, nil
		}
	}
	return nil, fmt.Errorf("no chart named %q", name)
}

// countAxis is a value axis of whole numbers from zero.
func countAxis() charts.ValueAxisOption {
	return charts.ValueAxisOption{Min: charts.Ptr(0.0), Unit: 1, ValueFormatter: decimal}
}

// decimal prints a value with at most one decimal, none when whole.
func decimal(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func barChart(title string, labels, series []string, values [][]float64, axis charts.ValueAxisOption) ([]byte, error) {
	if len(labels) == 0 {
		labels = []string{"none"}
		for i := range values {
			values[i] = []float64{0}
		}
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Title = charts.TitleOption{Text: title}
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelFontStyle = charts.FontStyle{FontSize: 11}
	if len(labels) > 8 {
		opt.CategoryAxis.LabelRotation = -0.6
	}
	opt.Legend = charts.LegendOption{SeriesNames: series, Offset: charts.OffsetRight}
	opt.Padding = charts.NewBoxEqual(16)
	opt.ValueAxis = []charts.ValueAxisOption{axis}
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label = charts.SeriesLabel{Show: charts.Ptr(len(labels) <= 8), ValueFormatter: decimal}
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: chartHeight})
	if err := p.BarChart(opt); err != nil {
		return nil, err
	}
	return p.Bytes()
}
