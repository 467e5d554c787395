package glreport

import (
	"regexp"
	"testing"
)

var fingerprintRE = regexp.MustCompile(`^[a-f0-9]{32}$`)

func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "gl-container-scanning-report.json"))
	f.Add(readFixture(f, "gl-dependency-scanning-report.json"))
	f.Add([]byte(`{"version":"15.0.0","scan":{"type":"container_scanning"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(data)
		if err != nil {
			if rep != nil {
				t.Fatal("report returned with an error")
			}
			return
		}
		for _, fd := range rep.Findings {
			if !fingerprintRE.MatchString(fd.Fingerprint) || fd.Vulnerability.ID == "" || fd.Fix.State == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
