package gate

import (
	"strings"
	"testing"
)

func FuzzParseAllowlist(f *testing.F) {
	f.Add([]byte("generalallowlist:\n  CVE-2019-8696:\n  CVE-2014-8166: cups\nimages:\n  your.private.registry:5000/centos:\n    CVE-2015-1419: libxml2\n"))
	f.Add([]byte("images:\n  alpine:3.7:\n    CVE-1: &a x\n  b: *a\n"))
	f.Add([]byte("- a\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAllowlist("vulnerability-allowlist.yml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "vulnerability-allowlist.yml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for id := range a.General {
			if id == "" || id != strings.ToUpper(id) {
				t.Fatalf("bad id %q", id)
			}
		}
		// Matching must not panic on whatever was accepted.
		a.match(imageOf(report("registry.example/app").Asset), []string{"CVE-1"})
	})
}

func FuzzParseVEX(f *testing.F) {
	f.Add([]byte(vexDoc(`{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:golang/x"}], "status": "fixed"}`)))
	f.Add([]byte(`{"@context": "https://openvex.dev/ns/v0.2.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseVEX("x.json", data)
		if err != nil {
			return
		}
		rep := report("registry.example/app")
		Apply(rep, Options{VEX: []*VEXDoc{d}})
	})
}
