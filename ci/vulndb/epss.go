package vulndb

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// epssChunk is how many scores go into one result: grype's EPSS processor
// reads an array item, and ~300k one-score files would cost more than the DB.
const epssChunk = 10000

type epssScore struct {
	CVE        string  `json:"cve"`
	EPSS       float64 `json:"epss"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date"`
}

// readEPSSFile reads FIRST's EPSS CSV (optionally gzipped): a
// "#model_version:…,score_date:…" comment line, a "cve,epss,percentile"
// header, then one row per CVE.
func readEPSSFile(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read EPSS scores %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read EPSS scores %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	scores, err := parseEPSS(r)
	if err != nil {
		return nil, fmt.Errorf("read EPSS scores %s: %w", path, err)
	}
	var out []record
	for start := 0; start < len(scores); start += epssChunk {
		end := min(start+epssChunk, len(scores))
		item, err := json.Marshal(scores[start:end])
		if err != nil {
			return nil, fmt.Errorf("read EPSS scores %s: %w", path, err)
		}
		out = append(out, record{
			provider:   "epss",
			identifier: fmt.Sprintf("epss-%05d", start/epssChunk),
			schema:     schemaEPSS,
			item:       item,
			source:     fmt.Sprintf("%s (rows %d-%d)", path, start+1, end),
			count:      end - start,
		})
	}
	return out, nil
}

// parseEPSS reads the CSV body. The score date comes from the comment line.
func parseEPSS(r io.Reader) ([]epssScore, error) {
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if !strings.HasPrefix(first, "#") {
		return nil, errors.New(`first line is not the "#model_version:…,score_date:…" comment FIRST puts in every EPSS file`)
	}
	var date string
	for _, field := range strings.Split(strings.TrimSpace(strings.TrimPrefix(first, "#")), ",") {
		if v, ok := strings.CutPrefix(field, "score_date:"); ok {
			date = v
		}
	}
	if len(date) < len("2006-01-02") {
		return nil, fmt.Errorf("no score_date in %q", strings.TrimSpace(first))
	}
	date = date[:len("2006-01-02")]

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if strings.Join(header, ",") != "cve,epss,percentile" {
		return nil, fmt.Errorf("header is %q, want \"cve,epss,percentile\"", strings.Join(header, ","))
	}
	var scores []epssScore
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		line++ // the comment line was read before the CSV reader started
		if !strings.HasPrefix(row[0], "CVE-") {
			return nil, fmt.Errorf("line %d: %q is not a CVE id", line, row[0])
		}
		epss, err := strconv.ParseFloat(row[1], 64)
		if err != nil || epss < 0 || epss > 1 {
			return nil, fmt.Errorf("line %d: epss %q is not a probability", line, row[1])
		}
		pct, err := strconv.ParseFloat(row[2], 64)
		if err != nil || pct < 0 || pct > 1 {
			return nil, fmt.Errorf("line %d: percentile %q is not between 0 and 1", line, row[2])
		}
		scores = append(scores, epssScore{CVE: row[0], EPSS: epss, Percentile: pct, Date: date})
	}
	if len(scores) == 0 {
		return nil, errors.New("no scores")
	}
	return scores, nil
}
