package mr

import "testing"

func TestBranch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ eco, pkg, version, want string }{
		{"gomod", "golang.org/x/text", "v0.3.8", "vigil/gomod/golang.org/x/text-v0.3.8"},
		{"npm", "@babel/core", "7.23.2", "vigil/npm/babel/core-7.23.2"},
		{"dockerfile", "registry.example:5000/library/alpine", "3.19.4", "vigil/dockerfile/registry.example-5000/library/alpine-3.19.4"},
		{"pip", "a..b", "1.0~rc1", "vigil/pip/a-b-1.0-rc1"},
	} {
		if got := Branch(tc.eco, tc.pkg, tc.version); got != tc.want {
			t.Errorf("Branch(%q, %q, %q) = %q, want %q", tc.eco, tc.pkg, tc.version, got, tc.want)
		}
	}
}
