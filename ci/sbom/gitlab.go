package sbom

import (
	"bytes"
	"fmt"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// GitLab's CycloneDX property taxonomy for container scanning
// (docs.gitlab.com/development/sec/cyclonedx_property_taxonomy): with them
// GitLab's dependency list says which image and operating system an SBOM
// describes.
const (
	PropSchemaVersion = "gitlab:meta:schema_version"
	PropImageName     = "gitlab:container_scanning:image:name"
	PropImageTag      = "gitlab:container_scanning:image:tag"
	PropOSName        = "gitlab:container_scanning:operating_system:name"
	PropOSVersion     = "gitlab:container_scanning:operating_system:version"
)

// GitLabImage is what the GitLab properties say about the scanned image.
type GitLabImage struct {
	Name      string // repository without tag or digest
	Tag       string
	OSName    string // e.g. debian
	OSVersion string // e.g. 12
}

// Tool names the program that wrote an SBOM.
type Tool struct{ Name, Version string }

// ForGitLab rewrites an encoded CycloneDX document: GitLab's container
// scanning properties in metadata (replacing earlier ones of the same name)
// and metadata.tools naming vigil as the application that wrote it, with
// syft, which syft's encoder presents as an application by anchore, as the
// library that cataloged it. Properties with empty values are left out.
func ForGitLab(doc []byte, img GitLabImage, writer Tool, cataloger Tool) ([]byte, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("read CycloneDX SBOM: %w", err)
	}
	if bom.Metadata == nil {
		bom.Metadata = &cdx.Metadata{}
	}
	md := bom.Metadata
	if img.OSName == "" {
		img.OSName, img.OSVersion = operatingSystem(bom)
	}
	md.Tools = &cdx.ToolsChoice{Components: &[]cdx.Component{
		{Type: cdx.ComponentTypeApplication, Name: writer.Name, Version: writer.Version},
		{Type: cdx.ComponentTypeLibrary, Group: "github.com/anchore", Name: cataloger.Name, Version: cataloger.Version},
	}}
	props := []cdx.Property{{Name: PropSchemaVersion, Value: "1"}}
	for _, p := range []cdx.Property{
		{Name: PropImageName, Value: img.Name}, {Name: PropImageTag, Value: img.Tag},
		{Name: PropOSName, Value: img.OSName}, {Name: PropOSVersion, Value: img.OSVersion},
	} {
		if p.Value != "" {
			props = append(props, p)
		}
	}
	md.Properties = mergeProperties(md.Properties, props)
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true)
	if err := enc.EncodeVersion(&bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("write CycloneDX SBOM: %w", err)
	}
	return buf.Bytes(), nil
}

func mergeProperties(old *[]cdx.Property, add []cdx.Property) *[]cdx.Property {
	replaced := map[string]bool{}
	for _, p := range add {
		replaced[p.Name] = true
	}
	var out []cdx.Property
	if old != nil {
		for _, p := range *old {
			if !replaced[p.Name] {
				out = append(out, p)
			}
		}
	}
	out = append(out, add...)
	return &out
}

// operatingSystem is the operating-system component syft records, for SBOMs
// written without a match (vigil sbom).
func operatingSystem(bom cdx.BOM) (name, version string) {
	if bom.Components == nil {
		return "", ""
	}
	for _, c := range *bom.Components {
		if c.Type == cdx.ComponentTypeOS {
			return c.Name, c.Version
		}
	}
	return "", ""
}
