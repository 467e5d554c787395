package gate

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadAllowlist(t *testing.T) {
	// The example from GitLab's container scanning documentation.
	a := mustAllowlist(t, `generalallowlist:
  CVE-2019-8696:
  CVE-2014-8166: cups
  CVE-2017-18248:
images:
  registry.gitlab.com/gitlab-org/security-products/dast/webgoat-8.0@sha256:
    CVE-2018-4180:
  your.private.registry:5000/centos:
    CVE-2015-1419: libxml2
    CVE-2015-1447:
`)
	if len(a.General) != 3 || a.General["CVE-2014-8166"] != "cups" || len(a.Images) != 2 ||
		a.Images["your.private.registry:5000/centos"]["CVE-2015-1419"] != "libxml2" {
		t.Fatalf("allowlist = %+v", a)
	}
	for _, empty := range []string{"", "# nothing yet\n", "generalallowlist:\nimages:\n"} {
		if a, err := ParseAllowlist("vulnerability-allowlist.yml", []byte(empty)); err != nil || len(a.General)+len(a.Images) != 0 {
			t.Errorf("%q: %v %+v", empty, err, a)
		}
	}
}

func TestLoadAllowlistErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  string
		want string
	}{
		"not yaml":         {doc: "generalallowlist:\n  CVE-1: [\n", want: "vulnerability-allowlist.yml: not valid YAML"},
		"list at top":      {doc: "- CVE-2019-8696\n", want: "vulnerability-allowlist.yml:1: want a map"},
		"unknown key":      {doc: "generalallowlist:\n  CVE-1:\nimage:\n  centos:\n", want: `vulnerability-allowlist.yml:3: unknown key "image"`},
		"list of ids":      {doc: "generalallowlist:\n  - CVE-2019-8696\n", want: "vulnerability-allowlist.yml:2: generalallowlist: want a map of vulnerability id to comment, got a list"},
		"comment is a map": {doc: "generalallowlist:\n  CVE-2019-8696:\n    why: x\n", want: "vulnerability-allowlist.yml:3: generalallowlist: CVE-2019-8696: want a comment, got a map"},
		"images is a list": {doc: "images:\n  - centos\n", want: "vulnerability-allowlist.yml:2: images: want a map of image name"},
		"image ids a list": {doc: "images:\n  centos:\n    - CVE-1\n", want: "vulnerability-allowlist.yml:3: images: centos: want a map"},
		"id with a space":  {doc: "generalallowlist:\n  CVE 2019:\n", want: `vulnerability-allowlist.yml:2: generalallowlist: "CVE 2019" is not a vulnerability id`},
		"empty image name": {doc: "images:\n  \"\":\n    CVE-1:\n", want: "vulnerability-allowlist.yml:2: images: want an image name"},
		"map as a key":     {doc: "generalallowlist:\n  ? {a: b}\n  : x\n", want: "vulnerability-allowlist.yml:2: generalallowlist: want a vulnerability id, got a map"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadAllowlist(writeFile(t, "vulnerability-allowlist.yml", tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := LoadAllowlist(filepath.Join(t.TempDir(), "missing.yml")); err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestLoadVEXErrors(t *testing.T) {
	stmt := func(s string) string { return vexDoc(s) }
	for name, tc := range map[string]struct {
		doc  string
		want string
	}{
		"not json":      {doc: "{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"statements\": [\n}", want: "app.openvex.json: line 4: not valid JSON"},
		"not openvex":   {doc: `{"@context": "https://cyclonedx.org/schema"}`, want: `app.openvex.json: @context is "https://cyclonedx.org/schema", not an OpenVEX document`},
		"old openvex":   {doc: `{"@context": "https://openvex.dev/ns", "statements": []}`, want: "OpenVEX version \"https://openvex.dev/ns\" is not supported"},
		"no statements": {doc: vexDoc(""), want: "app.openvex.json: statements: none"},
		"bad status": {doc: stmt(`{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "x"}], "status": "maybe"}`),
			want: "app.openvex.json: statements[0] (CVE-1): invalid status"},
		"not_affected without justification": {doc: stmt(`{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "x"}], "status": "not_affected"}`),
			want: "app.openvex.json: statements[0] (CVE-1)"},
		"no products": {doc: stmt(`{"vulnerability": {"name": "CVE-1"}, "status": "fixed"}`),
			want: "app.openvex.json: statements[0] (CVE-1).products: none"},
		"no vulnerability": {doc: stmt(`{"products": [{"@id": "x"}], "status": "fixed"}`),
			want: "app.openvex.json: statements[0].vulnerability: no name"},
		"wrong type": {doc: "{\n\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n\"statements\": [{\"status\": 3}]}",
			want: "app.openvex.json: line 3: field statements.status: want vex.Status, got JSON number"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadVEX(writeFile(t, "app.openvex.json", tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
