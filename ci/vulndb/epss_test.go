package vulndb

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEPSS(t *testing.T) {
	const head = "#model_version:v2025.03.14,score_date:2025-11-26T12:55:00Z\ncve,epss,percentile\n"
	tests := []struct {
		name    string
		csv     string
		want    []epssScore
		wantErr string
	}{
		{name: "FIRST's layout", csv: head + "CVE-1999-0001,0.0123,0.456\nCVE-2023-44487,0.9,0.99\n",
			want: []epssScore{{"CVE-1999-0001", 0.0123, 0.456, "2025-11-26"}, {"CVE-2023-44487", 0.9, 0.99, "2025-11-26"}}},
		{name: "CRLF line ends", csv: strings.ReplaceAll(head+"CVE-1999-0001,0.5,0.5\n", "\n", "\r\n"),
			want: []epssScore{{"CVE-1999-0001", 0.5, 0.5, "2025-11-26"}}},
		{name: "no comment line", csv: "cve,epss,percentile\nCVE-1999-0001,0.5,0.5\n", wantErr: "#model_version"},
		{name: "no score date", csv: "#model_version:v1\ncve,epss,percentile\nCVE-1999-0001,0.5,0.5\n", wantErr: "no score_date"},
		{name: "other header", csv: "#score_date:2025-11-26\ncve,score\nCVE-1999-0001,0.5\n", wantErr: "header"},
		{name: "not a CVE", csv: head + "GHSA-xxxx,0.5,0.5\n", wantErr: "line 3"},
		{name: "percentile above 1", csv: head + "CVE-1999-0001,0.5,50\n", wantErr: "percentile"},
		{name: "missing column", csv: head + "CVE-1999-0001,0.5\n", wantErr: "wrong number of fields"},
		{name: "no rows", csv: head, wantErr: "no scores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEPSS(strings.NewReader(tt.csv))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadEPSSFileGzippedAndChunked(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("#model_version:v2025.03.14,score_date:2025-11-26T12:55:00Z\ncve,epss,percentile\n")
	n := epssChunk + 5
	for i := range n {
		fmt.Fprintf(&csv, "CVE-2025-%d,0.1,0.2\n", 10000+i)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(csv.String()))
	_ = w.Close()
	path := filepath.Join(t.TempDir(), "epss_scores-2025-11-26.csv.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := readEPSSFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].count != epssChunk || recs[1].count != 5 {
		t.Fatalf("got %d chunks", len(recs))
	}
	var last []epssScore
	if err := json.Unmarshal(recs[1].item, &last); err != nil {
		t.Fatal(err)
	}
	if last[4].CVE != fmt.Sprintf("CVE-2025-%d", 10000+n-1) || last[4].Date != "2025-11-26" {
		t.Errorf("last score = %+v", last[4])
	}
}
