package patch

import "testing"

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"v0.3.5", "0.3.8", -1},
		{"1.2.10", "1.2.9", 1},
		{"1.2.3", "v1.2.3", 0},
		{"1.2.3-rc1", "1.2.3", -1},
		{"2.0.0a1", "2.0.0", -1},
		{"go1.22.3", "1.22.5", -1},
		{"3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1},
		{"1.0~rc1", "1.0", -1},
		{"1.2.3-r4", "1.2.3-r10", -1},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := CompareVersions(tc.b, tc.a); got != -tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestFixVersion(t *testing.T) {
	for _, tc := range []struct {
		current string
		fixed   []string
		want    string
		reason  string
	}{
		{"v0.3.5", []string{"0.3.7", "0.3.8"}, "0.3.7", ""},
		{"1.2.5", []string{"0.2.4", "1.2.6"}, "1.2.6", ""},
		{"1.2.5", []string{"2.0.0"}, "", "new major version"},
		{"1.2.5", []string{"1.2.5"}, "", "no fixed version is newer"},
	} {
		got, reason, _ := FixVersion(tc.current, tc.fixed)
		if got != tc.want || (tc.reason == "") != (reason == "") || !contains(reason, tc.reason) {
			t.Errorf("FixVersion(%q, %v) = %q, %q; want %q, %q", tc.current, tc.fixed, got, reason, tc.want, tc.reason)
		}
	}
}

func FuzzCompareVersions(f *testing.F) {
	f.Add("1.2.3", "1.2.4")
	f.Add("go1.22.3", "1.0~rc1")
	f.Fuzz(func(t *testing.T, a, b string) {
		if CompareVersions(a, b) != -CompareVersions(b, a) {
			t.Fatalf("not antisymmetric: %q %q", a, b)
		}
	})
}
