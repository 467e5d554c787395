package glreport

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFiles are vigil's own conformance schemas for GitLab's 15.x report
// format (see schema/README.md).
//
//go:embed schema/*.schema.json
var schemaFiles embed.FS

// schemaBase is where the embedded schemas say they live; references between
// them resolve against it, never over the network.
const schemaBase = "https://gitlab.com/vigil-vm/vigil/-/raw/main/internal/glreport/schema/"

// schemaFile is vigil's schema for each report type.
var schemaFile = map[string]string{
	TypeContainerScanning:  "container-scanning.schema.json",
	TypeDependencyScanning: "dependency-scanning.schema.json",
}

// publishedFile is the file name under which GitLab publishes the schema of
// each report type; reports point at it in their "schema" field.
var publishedFile = map[string]string{
	TypeContainerScanning:  "container-scanning-report-format.json",
	TypeDependencyScanning: "dependency-scanning-report-format.json",
}

// SchemaURL is the published GitLab schema a report of the given type declares.
func SchemaURL(reportType string) string {
	return "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v" +
		SchemaVersion + "/dist/" + publishedFile[reportType]
}

// Validate checks a report of the given type against the rules of GitLab's
// 15.x report format.
func Validate(reportType string, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("GitLab %s report is not JSON: %w", reportType, err)
	}
	return validateDoc(reportType, doc)
}

func validateDoc(reportType string, doc any) error {
	s, err := compile(reportType)
	if err != nil {
		return err
	}
	if err := s.Validate(doc); err != nil {
		return fmt.Errorf("GitLab %s report does not match schema 14.x/15.x: %w", reportType, err)
	}
	return nil
}

// schemas holds the compiled schemas: built once, never changed after.
var schemas = sync.OnceValue(func() map[string]*jsonschema.Schema {
	c := jsonschema.NewCompiler()
	names, err := fs.Glob(schemaFiles, "schema/*.schema.json")
	if err != nil {
		panic("embedded report schema: " + err.Error()) // a build defect, not input
	}
	for _, path := range names {
		raw, err := schemaFiles.ReadFile(path)
		if err != nil {
			panic("embedded report schema: " + err.Error())
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			panic("embedded report schema " + path + ": " + err.Error())
		}
		if err := c.AddResource(schemaBase+path[len("schema/"):], doc); err != nil {
			panic("embedded report schema " + path + ": " + err.Error())
		}
	}
	out := map[string]*jsonschema.Schema{}
	for reportType, name := range schemaFile {
		out[reportType] = c.MustCompile(schemaBase + name)
	}
	return out
})

func compile(reportType string) (*jsonschema.Schema, error) {
	s, ok := schemas()[reportType]
	if !ok {
		return nil, fmt.Errorf("unsupported GitLab report type %q (want %s or %s)", reportType, TypeContainerScanning, TypeDependencyScanning)
	}
	return s, nil
}
