// Package docs publishes vigil's document schemas so that code can validate
// against the very files users read.
package docs

import _ "embed"

// FindingsSchema is the JSON Schema of vigil-findings.json (vigil.findings/v1).
//
//go:embed vigil-findings.schema.json
var FindingsSchema []byte
