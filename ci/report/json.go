package report

import (
	"encoding/json"
	"fmt"
	"io"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// JSON writes the report as an indented vigil.findings/v1 document.
func JSON(w io.Writer, rep *findings.Report) error {
	b, err := findingsJSON(rep)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write findings JSON: %w", err)
	}
	return nil
}

func findingsJSON(rep *findings.Report) ([]byte, error) {
	doc := *rep
	if doc.Schema == "" {
		doc.Schema = findings.SchemaID
	}
	if doc.Findings == nil {
		doc.Findings = []findings.Finding{} // the schema wants an array, never null
	}
	b, err := json.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode findings JSON: %w", err)
	}
	return append(b, '\n'), nil
}
