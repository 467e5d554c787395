package glreport

import "testing"

func BenchmarkParse(b *testing.B) {
	data := readFixture(b, "gl-container-scanning-report.json")
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
