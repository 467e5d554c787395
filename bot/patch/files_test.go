package patch

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		rel   string
		globs []string
		want  bool
	}{
		{"go.mod", []string{"go.mod"}, true},
		{"svc/go.mod", []string{"go.mod"}, true},
		{"svc/go.sum", []string{"go.mod"}, false},
		{"build/Dockerfile", []string{"dockerfile", "dockerfile.*"}, true},
		{"Dockerfile.alpine", []string{"dockerfile", "dockerfile.*"}, true},
		{"requirements-dev.txt", []string{"requirements*.txt", "requirements/*.txt"}, true},
		{"py/requirements/base.txt", []string{"requirements*.txt", "requirements/*.txt"}, true},
		{"docs/base.txt", []string{"requirements*.txt", "requirements/*.txt"}, false},
	} {
		if got := Match(tc.rel, tc.globs...); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.rel, tc.globs, got, tc.want)
		}
	}
}
