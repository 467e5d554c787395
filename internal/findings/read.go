package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MaxReportBytes is the default size limit for a findings document read from
// outside (an artifact, a file).
const MaxReportBytes = 64 << 20

// ErrTooLarge is returned when a document exceeds the size limit.
var ErrTooLarge = errors.New("findings report exceeds size limit")

// Read parses and validates a vigil.findings/v1 document of at most limit
// bytes (MaxReportBytes when limit <= 0). Nothing is returned unless the whole
// document is valid.
func Read(r io.Reader, limit int64) (*Report, error) {
	if limit <= 0 {
		limit = MaxReportBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read findings report: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, limit)
	}
	return Decode(data)
}

// Decode validates and decodes a document already in memory (a downloaded
// artifact), without the copy Read makes of what it reads.
func Decode(data []byte) (*Report, error) {
	if err := Validate(data); err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("decode findings report: %w", err)
	}
	return &rep, nil
}

// validateWhole checks a whole document against the published JSON Schema.
func validateWhole(data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("findings report is not JSON: %w", err)
	}
	if m, ok := doc.(map[string]any); ok {
		if s, _ := m["schema"].(string); s != SchemaID {
			return fmt.Errorf("findings report has schema %q, want %q", s, SchemaID)
		}
	}
	if err := wholeSchema().Validate(doc); err != nil {
		return fmt.Errorf("findings report does not match %s: %w", SchemaID, err)
	}
	return nil
}
