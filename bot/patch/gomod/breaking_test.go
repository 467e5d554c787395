package gomod

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// proxyModule publishes one version of a module, from its files, into a
// file:// module proxy at proxy.
func proxyModule(t *testing.T, proxy, path, version string, files map[string]string) {
	t.Helper()
	src := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(proxy, filepath.FromSlash(path), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(zf, module.Version{Path: path, Version: version}, src); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	for name, body := range map[string]string{version + ".mod": files["go.mod"], version + ".info": `{"Version":"` + version + `"}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := os.ReadFile(filepath.Join(dir, "list"))
	if err := os.WriteFile(filepath.Join(dir, "list"), append(list, version+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A fix whose new version drops an API the service calls: the default
// branch builds, the candidate does not, and the note says the code must
// change for the new version.
func TestUpdateBreakingFix(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	proxy, cache := t.TempDir(), t.TempDir()
	t.Cleanup(func() { // the module cache is read-only; go removes it
		c := exec.Command("go", "clean", "-modcache")
		c.Env = append(os.Environ(), "GOMODCACHE="+cache)
		_ = c.Run()
	})
	mod := "module example.com/lib\n\ngo 1.21\n"
	proxyModule(t, proxy, "example.com/lib", "v1.0.0", map[string]string{"go.mod": mod, "lib.go": "package lib\n\nfunc Old() {}\n"})
	proxyModule(t, proxy, "example.com/lib", "v1.1.0", map[string]string{"go.mod": mod, "lib.go": "package lib\n\nfunc New() {}\n"})
	t.Setenv("GOPROXY", "file://"+proxy)
	t.Setenv("GONOSUMDB", "example.com")
	t.Setenv("GOMODCACHE", cache)

	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":  "module example.com/svc\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n",
		"main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.Old() }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}

	r, err := patch.Apply(context.Background(), New(Options{}), dir, patch.Fix{Package: "example.com/lib", From: "v1.0.0", To: "1.1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != patch.Blocked || !strings.Contains(r.Reason, "undefined: lib.Old") || !strings.Contains(r.Reason, "the bump breaks the build") {
		t.Errorf("Update = %v %q, want blocked: the bump breaks the build", r.Status, r.Reason)
	}
}
