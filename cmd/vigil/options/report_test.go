package options

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestReportOptions(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 30, 0, 0, time.UTC)
	o := DefaultReport()
	ro, f, err := o.Options(now)
	if err != nil || f != readout.HTML || !ro.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !ro.Until.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("default = %v – %v %s, %v; want last November, html", ro.Since, ro.Until, f, err)
	}
	o.Since, o.Until, o.Group, o.Severity, o.Format = "2026-01-01", "2026-02-01T12:00:00+02:00", "/acme/web/", "critical, High", "md"
	ro, f, err = o.Options(now)
	if err != nil || f != readout.Markdown || ro.Scope.Group != "acme/web" || !ro.Until.Equal(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)) ||
		len(ro.Scope.Severities) != 2 || ro.Scope.Severities[0] != findings.Critical || ro.Scope.Severities[1] != findings.High {
		t.Errorf("options = %+v %s, %v", ro, f, err)
	}
	for _, bad := range []struct{ field, value, says string }{
		{"since", "last week", "--since"}, {"until", "2025-01-01", "not before"}, {"severity", "urgent", "--severity"}, {"format", "pdf", "pdf"},
	} {
		o := DefaultReport()
		o.Since = "2026-01-01"
		switch bad.field {
		case "since":
			o.Since = bad.value
		case "until":
			o.Until = bad.value
		case "severity":
			o.Severity = bad.value
		case "format":
			o.Format = bad.value
		}
		if _, _, err := o.Options(now); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("--%s %q: err %v, want it to mention %q", bad.field, bad.value, err, bad.says)
		}
	}
}
