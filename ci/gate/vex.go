package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// MaxVEXBytes bounds a VEX document read.
const MaxVEXBytes = 16 << 20

// VEXDoc is one OpenVEX document and the file it came from.
type VEXDoc struct {
	Name string
	Doc  *vex.VEX
}

// LoadVEX reads an OpenVEX document. Statements are checked as OpenVEX
// requires (a valid status, a justification or impact statement for
// not_affected, …); a bad one is an error naming the file and statement.
func LoadVEX(path string) (*VEXDoc, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read VEX document: %w", err)
	}
	if info.Size() > MaxVEXBytes {
		return nil, fmt.Errorf("read VEX document %s: larger than %d bytes", path, MaxVEXBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read VEX document: %w", err)
	}
	return ParseVEX(path, data)
}

// ParseVEX reads an OpenVEX document from data; name is the file name
// errors cite.
func ParseVEX(name string, data []byte) (*VEXDoc, error) {
	var head struct {
		Context string `json:"@context"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonError(data, err))
	}
	if !strings.HasPrefix(head.Context, vex.Context) {
		return nil, fmt.Errorf("%s: @context is %q, not an OpenVEX document (%s…)", name, head.Context, vex.Context)
	}
	if head.Context != vex.ContextLocator() && strings.TrimPrefix(strings.TrimPrefix(head.Context, vex.Context), "/") != "v0.2.0" {
		return nil, fmt.Errorf("%s: OpenVEX version %q is not supported (want %s)", name, head.Context, vex.ContextLocator())
	}
	var doc vex.VEX
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonError(data, err))
	}
	if len(doc.Statements) == 0 {
		return nil, fmt.Errorf("%s: statements: none; an OpenVEX document needs at least one", name)
	}
	for i := range doc.Statements {
		st := &doc.Statements[i]
		field := fmt.Sprintf("statements[%d]", i)
		if st.Vulnerability.Name == "" && st.Vulnerability.ID == "" {
			return nil, fmt.Errorf("%s: %s.vulnerability: no name", name, field)
		}
		if len(st.Products) == 0 {
			return nil, fmt.Errorf("%s: %s (%s).products: none", name, field, st.Vulnerability.Name)
		}
		if err := st.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s (%s): %w", name, field, st.Vulnerability.Name, err)
		}
	}
	return &VEXDoc{Name: filepath.Base(name), Doc: &doc}, nil
}

// jsonError adds the line to a JSON decoding error.
func jsonError(data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
		if typ.Field != "" {
			return fmt.Errorf("line %d: field %s: want %s, got JSON %s", line(data, offset), typ.Field, typ.Type, typ.Value)
		}
	}
	if offset < 0 {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	return fmt.Errorf("line %d: not valid JSON: %w", line(data, offset), err)
}

func line(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// matchVEX finds the latest statement, across all documents, about this
// finding in this image, and turns a not_affected or fixed one into a
// suppression. under_investigation and affected suppress nothing.
func matchVEX(docs []*VEXDoc, img image, f findings.Finding) *findings.Suppression {
	products := img.identifiers()
	var subs []string
	if f.Package.PURL != "" {
		subs = []string{f.Package.PURL}
	}
	var latest *vex.Statement
	var latestAt time.Time
	for _, d := range docs {
		for _, id := range ids(f) {
			for _, st := range candidates(d.Doc, id, products, subs) {
				at := when(d.Doc, st)
				if latest == nil || !at.Before(latestAt) {
					latest, latestAt = st, at
				}
			}
		}
	}
	if latest == nil {
		return nil
	}
	switch latest.Status {
	case vex.StatusNotAffected:
		why := string(latest.Justification)
		if why == "" {
			why = latest.ImpactStatement
		}
		return &findings.Suppression{Kind: findings.SuppressedVEX, Reason: "VEX not_affected: " + why}
	case vex.StatusFixed:
		return &findings.Suppression{Kind: findings.SuppressedVEX, Reason: "VEX fixed"}
	}
	return nil
}

// candidates are the statements about vulnerability id that name the image
// (and, when they list subcomponents, this package) or the package itself.
func candidates(doc *vex.VEX, id string, products, subs []string) []*vex.Statement {
	var out []*vex.Statement
	for i := range doc.Statements {
		st := &doc.Statements[i]
		if !st.Vulnerability.Matches(id) {
			continue
		}
		hit := false
		for _, p := range products {
			if st.Matches(id, p, subs) {
				hit = true
				break
			}
		}
		for _, s := range subs { // a statement whose product is the package itself
			if !hit && st.MatchesProduct(s, "") {
				hit = true
			}
		}
		if hit {
			out = append(out, st)
		}
	}
	return out
}

func when(doc *vex.VEX, st *vex.Statement) time.Time {
	switch {
	case st.Timestamp != nil:
		return *st.Timestamp
	case doc.Timestamp != nil:
		return *doc.Timestamp
	}
	return time.Time{}
}

// identifiers are the names a VEX product may use for the image: its
// repository, with tag or digest, and its pkg:oci purl.
func (img image) identifiers() []string {
	if img.repository == "" {
		return nil
	}
	out := []string{img.repository}
	for _, t := range img.tags {
		out = append(out, img.repository+":"+t)
	}
	last := img.repository[strings.LastIndexByte(img.repository, '/')+1:]
	if img.digest != "" {
		out = append(out, img.repository+"@"+img.digest)
		out = append(out, fmt.Sprintf("pkg:oci/%s@%s?repository_url=%s", strings.ToLower(last), escapeDigest(img.digest), img.repository))
		for _, t := range img.tags {
			out = append(out, fmt.Sprintf("pkg:oci/%s@%s?repository_url=%s&tag=%s", strings.ToLower(last), escapeDigest(img.digest), img.repository, t))
		}
	}
	return out
}

// escapeDigest writes a digest as a purl version ("sha256%3A…").
func escapeDigest(d string) string { return strings.Replace(d, ":", "%3A", 1) }
