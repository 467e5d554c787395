package gotoolchain

import (
	"context"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestHandles(t *testing.T) {
	p := New()
	if !p.Handles(findings.Finding{Package: findings.Package{Name: "stdlib", Type: "go-module", Version: "go1.22.3"}}) {
		t.Error("stdlib not handled")
	}
	if p.Handles(findings.Finding{Package: findings.Package{Name: "golang.org/x/text", Type: "go-module"}}) {
		t.Error("a module is handled by the toolchain patcher")
	}
}

func TestExtractVersions(t *testing.T) {
	deps, err := extract("testdata/repo")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range deps {
		got = append(got, d.Manifest+" "+d.Name+" "+d.Version)
	}
	want := "go.mod go 1.22.0,go.mod toolchain go1.22.3,Dockerfile golang 1.22.3-alpine3.19,Dockerfile golang 1.22.3,Dockerfile golang 1.21.9"
	if strings.Join(got, ",") != want {
		t.Errorf("Extract =\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
}

func TestUpdate(t *testing.T) {
	dir := patchtest.Copy(t, "testdata/repo")
	r, err := patch.Apply(context.Background(), New(), dir, patch.Fix{Package: "stdlib", From: "go1.22.3", To: "1.22.5"})
	if err != nil || r.Status != patch.Proposed {
		t.Fatalf("Update = %+v, %v", r, err)
	}
	c := r.Change
	if c.From != "go1.22.3" || c.To != "go1.22.5" {
		t.Errorf("bump %s → %s, want go1.22.3 → go1.22.5", c.From, c.To)
	}
	if !strings.Contains(string(c.Files["go.mod"]), "toolchain go1.22.5\n") || !strings.Contains(string(c.Files["go.mod"]), "go 1.22.0\n") {
		t.Errorf("go.mod =\n%s", c.Files["go.mod"])
	}
	df := string(c.Files["Dockerfile"])
	for _, want := range []string{
		"ARG GO_VERSION=1.22.5\n",
		"FROM golang:${GO_VERSION}-alpine3.19 AS build\n",
		"FROM --platform=linux/amd64 golang:1.22.5 AS test\n",
		"FROM golang:1.21.9 AS legacy\n", // another minor line: untouched
		"FROM alpine:3.19.1\n",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
}

func TestUpdateAddsToolchain(t *testing.T) {
	r, err := patch.Apply(context.Background(), New(), patchtest.Copy(t, "testdata/bare"), patch.Fix{Package: "stdlib", To: "go1.22.5"})
	c := r.Change
	if err != nil || !strings.Contains(string(c.Files["go.mod"]), "toolchain go1.22.5") || len(c.Notes) != 1 {
		t.Errorf("Update = %+v, %v; want a toolchain directive added with a note", c, err)
	}
}

func TestUpdateCurrent(t *testing.T) {
	for _, to := range []string{"1.22.2", "1.22.3"} {
		r, err := patch.Apply(context.Background(), New(), patchtest.Copy(t, "testdata/repo"), patch.Fix{Package: "stdlib", To: to})
		if err != nil || r.Status != patch.Current || !r.Change.Empty() {
			t.Errorf("Update(%s) = %+v, %v; want current", to, r, err)
		}
	}
}

// Nothing on the fixed release's line (the binary was built elsewhere) and
// a version that is no Go release are silent: nobody can act here.
func TestUpdateAbsent(t *testing.T) {
	for _, to := range []string{"1.23.1", "banana"} {
		r, err := patch.Apply(context.Background(), New(), patchtest.Copy(t, "testdata/repo"), patch.Fix{Package: "stdlib", To: to})
		if err != nil || r.Status != patch.Absent || r.Reason != "" || !r.Change.Empty() {
			t.Errorf("Update(%s) = %+v, %v; want absent", to, r, err)
		}
	}
}
