package dockerfile

import (
	"strings"
	"testing"
)

func TestCandidates(t *testing.T) {
	tags := []string{
		"3.19", "3.19.0", "3.19.1", "3.19.2", "3.19.4", "3.20.0", "3.20", "latest", "edge",
		"1.22.3-alpine3.19", "1.22.5-alpine3.19", "1.22.5-alpine3.20", "1.22.4-alpine3.19", "1.23.0-alpine3.19", "1.22.5",
		"bookworm-20240513-slim", "bookworm-20240701-slim", "bookworm-20240701", "bullseye-20240701-slim", "20240601",
	}
	for _, tc := range []struct{ tag, want string }{
		{"3.19.1", "3.19.4,3.19.2"},
		{"3.19.4", ""},
		{"1.22.3-alpine3.19", "1.22.5-alpine3.19,1.22.4-alpine3.19"},
		{"bookworm-20240513-slim", "bookworm-20240701-slim"},
		{"20240101", "20240601"},
		{"3.19", ""}, // floating: rebuilt, not bumped
		{"latest", ""},
	} {
		if got := strings.Join(Candidates(tc.tag, tags), ","); got != tc.want {
			t.Errorf("Candidates(%q) = %q, want %q", tc.tag, got, tc.want)
		}
	}
}

func FuzzCandidates(f *testing.F) {
	f.Add("3.19.1", "3.19.4")
	f.Add("1.22.3-alpine3.19", "1.22.5-alpine3.19")
	f.Add("bookworm-20240513-slim", "bookworm-20240701-slim")
	f.Fuzz(func(t *testing.T, tag, other string) {
		for _, c := range Candidates(tag, []string{other, tag}) {
			if c == tag {
				t.Fatalf("Candidates(%q) offers the tag itself", tag)
			}
			if len(tokenRE.FindAllString(c, -1)) != len(tokenRE.FindAllString(tag, -1)) {
				t.Fatalf("candidate %q changes the shape of %q", c, tag)
			}
		}
	})
}
