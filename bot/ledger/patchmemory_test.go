package ledger

import (
	"context"
	"path/filepath"
	"testing"
)

// What the patch engine declined and said survives a restart, per project
// and issue, and recording it twice is harmless.
func TestPatchMemorySurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	m := open(t, path).PatchMemory()
	for range 2 {
		if err := m.Decline(ctx, "group/app", "vigil/pip/jinja2-2.11.3"); err != nil {
			t.Fatal(err)
		}
		if err := m.Say(ctx, "group/app", 4, "0123abcd"); err != nil {
			t.Fatal(err)
		}
	}
	m.l.DB().Close()
	m = open(t, path).PatchMemory()
	for _, tc := range []struct {
		name string
		got  func() (bool, error)
		want bool
	}{
		{"declined branch", func() (bool, error) { return m.Declined(ctx, "group/app", "vigil/pip/jinja2-2.11.3") }, true},
		{"other project", func() (bool, error) { return m.Declined(ctx, "group/other", "vigil/pip/jinja2-2.11.3") }, false},
		{"note said", func() (bool, error) { return m.Said(ctx, "group/app", 4, "0123abcd") }, true},
		{"other issue", func() (bool, error) { return m.Said(ctx, "group/app", 5, "0123abcd") }, false},
	} {
		if got, err := tc.got(); err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
