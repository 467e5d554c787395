package ecosystems

import (
	"slices"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestAll(t *testing.T) {
	var names []string
	for _, p := range All(Options{}) {
		names = append(names, p.Name())
	}
	if !slices.Equal(names, Names()) {
		t.Errorf("patchers %v, want %v", names, Names())
	}
}

func TestRouting(t *testing.T) {
	ps := All(Options{})
	for _, tc := range []struct {
		pkg  findings.Package
		want string
	}{
		{findings.Package{Name: "stdlib", Type: "go-module", Version: "go1.22.3"}, "gotoolchain"},
		{findings.Package{Name: "golang.org/x/text", Type: "go-module"}, "gomod"},
		{findings.Package{Name: "libssl3", Type: "apk"}, "dockerfile"},
		{findings.Package{Name: "openssl", Type: "deb"}, "dockerfile"},
		{findings.Package{Name: "minimist", Type: "npm"}, "npm"},
		{findings.Package{Name: "jinja2", Type: "python"}, "pip"},
	} {
		if tc.pkg.Version == "" {
			tc.pkg.Version = "1.0.0"
		}
		fixes, _ := patch.Plan([]findings.Finding{{Package: tc.pkg, Fix: findings.Fix{State: findings.FixAvailable, Versions: []string{"1.22.5"}}}}, ps, nil)
		if len(fixes) != 1 || fixes[0].Ecosystem != tc.want {
			t.Errorf("%s (%s) → %+v, want %s", tc.pkg.Name, tc.pkg.Type, fixes, tc.want)
		}
	}
}
