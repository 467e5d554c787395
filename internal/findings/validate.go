package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gitlab.com/vigil-vm/vigil/docs"
)

// schemaURL is the findings schema's own $id: a relative name would resolve
// against the working directory and put a local path into every error.
const schemaURL = "https://gitlab.com/vigil-vm/vigil/docs/vigil-findings.schema.json"

// The schema and its definition of one finding, compiled once per process:
// every report read or written is checked against them.
var (
	wholeSchema   = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("") })
	findingSchema = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("#/$defs/finding") })
)

func mustCompile(fragment string) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.FindingsSchema))
	if err != nil {
		panic("embedded findings schema: " + err.Error()) // a build defect, not input
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		panic("embedded findings schema: " + err.Error())
	}
	return c.MustCompile(schemaURL + fragment)
}

// Validate checks a document against the published JSON Schema, one
// finding at a time: decoding the whole document into a generic tree costs
// about four bytes of heap per byte of JSON (250 MiB for a report at the
// 64 MiB limit); here only the document without its findings and one
// finding at a time are held. The schema constrains the findings array only
// through its items, so the verdict is the same. A document of another
// shape (not an object, findings not an array, not JSON) is checked whole,
// whose messages explain what is wrong.
func Validate(data []byte) error {
	head, itemErr, ok := scanFindings(data)
	if !ok {
		return validateWhole(data)
	}
	if err := validateWhole(head); err != nil {
		return err
	}
	return itemErr
}

// scanFindings returns the document with an empty findings array, and the
// first finding that does not match the schema; ok is false when data is not
// an object whose findings are an array.
func scanFindings(data []byte) (head []byte, itemErr error, ok bool) {
	item := findingSchema()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return nil, nil, false
		}
		if key != "findings" {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, nil, false
			}
			fields[key] = raw
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return nil, nil, false
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, nil, false
			}
			if itemErr == nil {
				itemErr = validateFinding(item, i, raw)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, false
		}
		fields[key] = json.RawMessage("[]")
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, false // trailing data: let the whole check name it
	}
	head, err := json.Marshal(fields)
	return head, itemErr, err == nil
}

func validateFinding(item *jsonschema.Schema, i int, raw []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("findings report is not JSON: finding %d: %w", i, err)
	}
	if err := item.Validate(doc); err != nil {
		return fmt.Errorf("findings report does not match %s: finding %d: %w", SchemaID, i, err)
	}
	return nil
}
