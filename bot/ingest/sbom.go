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
