package glreport

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema/*.json
var schemaFiles embed.FS

var schemaFile = map[string]string{
	TypeContainerScanning:  "container-scanning-report-format.json",
	TypeDependencyScanning: "dependency-scanning-report-format.json",
}

// SchemaURL is the published schema a report of the given type declares.
func SchemaURL(reportType string) string {
	return "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v" +
		SchemaVersion + "/dist/" + schemaFile[reportType]
}

// Validate checks a report of the given type against GitLab's schema.
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
		return fmt.Errorf("GitLab %s report does not match schema %s: %w", reportType, SchemaVersion, err)
	}
	return nil
}

// schemas holds the compiled schemas: built once, never changed after.
var schemas = sync.OnceValue(func() map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	for reportType, name := range schemaFile {
		raw, err := schemaFiles.ReadFile("schema/" + name)
		if err != nil {
			panic("embedded GitLab schema: " + err.Error()) // a build defect, not input
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			panic("embedded GitLab schema: " + err.Error())
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(name, doc); err != nil {
			panic("embedded GitLab schema: " + err.Error())
		}
		out[reportType] = c.MustCompile(name)
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
