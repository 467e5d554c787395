package patch

import (
	"context"
	"strings"
	"testing"
)

// stepPatcher records the steps Apply calls and answers each as told.
type stepPatcher struct {
	fakePatcher
	found   Extracted
	updated Result
	calls   *[]string
}

func (p stepPatcher) Extract(context.Context, string, Fix) (Extracted, error) {
	*p.calls = append(*p.calls, "extract")
	return p.found, nil
}

func (p stepPatcher) Update(_ context.Context, _ string, _ Fix, deps []Dependency) (Result, error) {
	*p.calls = append(*p.calls, "update:"+deps[0].Manifest)
	return p.updated, nil
}

func (p stepPatcher) Artifacts(_ context.Context, _ string, _ Fix, _ []Dependency, c Change) (Result, error) {
	*p.calls = append(*p.calls, "artifacts")
	c.Checks = append(c.Checks, "tool ran")
	return Propose(c), nil
}

// Apply runs the three steps in order and stops at the first that has
// nothing to propose, so no tool runs for a repository already fixed.
func TestApplyRunsTheStepsInOrder(t *testing.T) {
	dep := []Dependency{{Manifest: "go.mod", Name: "m", Version: "v1.0.0"}}
	edit := Propose(Change{Files: map[string][]byte{"go.mod": []byte("edited")}})
	for _, tc := range []struct {
		name    string
		found   Extracted
		updated Result
		want    Status
		calls   string
	}{
		{"proposed", Extracted{Deps: dep}, edit, Proposed, "extract,update:go.mod,artifacts"},
		{"nothing declares it", Extracted{}, edit, Absent, "extract"},
		{"already fixed", Extracted{Current: true}, edit, Current, "extract"},
		{"an old copy beside a fixed one", Extracted{Deps: dep, Current: true}, edit, Proposed, "extract,update:go.mod,artifacts"},
		{"blocked by a manifest", Extracted{Deps: dep, Blocked: "a replace pins it"}, edit, Blocked, "extract"},
		{"blocked by the update", Extracted{Deps: dep}, Block("no newer tag"), Blocked, "extract,update:go.mod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			p := stepPatcher{found: tc.found, updated: tc.updated, calls: &calls}
			res, err := Apply(context.Background(), p, t.TempDir(), Fix{Package: "m", To: "v1.0.1"})
			if err != nil || res.Status != tc.want || strings.Join(calls, ",") != tc.calls {
				t.Fatalf("Apply = %v %q, %v after %v; want %v after %s", res.Status, res.Reason, err, calls, tc.want, tc.calls)
			}
			if tc.want == Proposed && (string(res.Change.Files["go.mod"]) != "edited" || len(res.Change.Checks) != 1) {
				t.Errorf("change = %+v; want the update's edit with the artifacts' check", res.Change)
			}
		})
	}
}
