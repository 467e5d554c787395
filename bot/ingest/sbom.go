package ingest

import (
	"context"
	"encoding/json"
	"strings"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

// GitLab's CycloneDX property taxonomy names the scanned image in the
// SBOM's metadata (docs: "gitlab:container_scanning:image" namespace).
const (
	propImageName = "gitlab:container_scanning:image:name"
	propImageTag  = "gitlab:container_scanning:image:tag"
)

// nameImage gives a container scanning report that names no image (a clean
// one) the image its job's CycloneDX SBOM names, so the ingest record says
// what was scanned. It only adds information: an SBOM that cannot be read
// changes nothing, and the image never widens what the report resolves.
func (f *Fetcher) nameImage(ctx context.Context, projectID, jobID int64, plan Plan, reps []Report) {
	var target *Report
	for i := range reps {
		if reps[i].Kind == glreport.TypeContainerScanning && reps[i].Report.Asset.Repository == "" {
			target = &reps[i]
		}
	}
	if target == nil {
		return
	}
	for _, name := range plan.SBOMs {
		data, err := f.download(ctx, projectID, jobID, name)
		if err != nil || data == nil {
			continue
		}
		if asset, ok := imageOf(data); ok {
			target.Report.Asset = asset
			return
		}
	}
}

// imageOf reads the scanned image from a CycloneDX document's metadata.
func imageOf(data []byte) (findings.Asset, bool) {
	var doc struct {
		Metadata struct {
			Properties []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"properties"`
		} `json:"metadata"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return findings.Asset{}, false
	}
	a := findings.Asset{Kind: "image"}
	for _, p := range doc.Metadata.Properties {
		switch p.Name {
		case propImageName:
			a.Repository = strings.TrimSpace(p.Value)
		case propImageTag:
			if v := strings.TrimSpace(p.Value); v != "" {
				a.Tags = []string{v}
			}
		}
	}
	return a, a.Repository != ""
}

// Artifact downloads one file of a job's artifacts, within the fetcher's
// size limit; nil when the job has no such file.
func (f *Fetcher) Artifact(ctx context.Context, projectID, jobID int64, name string) ([]byte, error) {
	return f.download(ctx, projectID, jobID, name)
}

// SBOMTools reads the versions of syft and vigil that made an SBOM from its
// metadata: CycloneDX's metadata.tools (1.5's components or the older
// list) or syft JSON's descriptor. Unknown parts are "".
func SBOMTools(data []byte) (syft, vigil string) {
	type tool struct{ Name, Version string }
	var doc struct {
		Metadata struct {
			Tools json.RawMessage `json:"tools"`
		} `json:"metadata"`
		Descriptor tool `json:"descriptor"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return "", ""
	}
	var tools []tool
	var modern struct{ Components []tool }
	if json.Unmarshal(doc.Metadata.Tools, &modern) == nil && len(modern.Components) > 0 {
		tools = modern.Components
	} else {
		_ = json.Unmarshal(doc.Metadata.Tools, &tools)
	}
	tools = append(tools, doc.Descriptor)
	for _, t := range tools {
		switch strings.ToLower(t.Name) {
		case "syft":
			syft = t.Version
		case "vigil":
			vigil = t.Version
		}
	}
	return syft, vigil
}
