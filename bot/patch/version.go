package patch

import (
	"strconv"
	"strings"
)

// CompareVersions orders two version strings of any ecosystem loosely: runs
// of digits compare as numbers, other runs as text, a leading "v" is ignored
// and a pre-release suffix ("-rc1", "a1", "beta") sorts before the release.
// It returns -1, 0 or +1. Ecosystems with stricter rules check them in their
// own Update.
func CompareVersions(a, b string) int {
	ta, tb := versionTokens(a), versionTokens(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if c := compareToken(ta[i], tb[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(ta) == len(tb):
		return 0
	case len(ta) > len(tb):
		if preRelease(ta[len(tb)]) {
			return -1
		}
		return 1
	default:
		if preRelease(tb[len(ta)]) {
			return 1
		}
		return -1
	}
}

// Major returns the first number of a version ("v1.2.3" → "1"), or "" when
// the version does not start with one.
func Major(v string) string {
	t := versionTokens(v)
	if len(t) == 0 || !isDigits(t[0]) {
		return ""
	}
	return strings.TrimLeft(t[0], "0") + zeroIfEmpty(t[0])
}

func zeroIfEmpty(s string) string {
	if strings.Trim(s, "0") == "" && s != "" {
		return "0"
	}
	return ""
}

// versionTokens splits into digit runs and non-digit runs, dropping plain
// separators ('.') that carry no order.
func versionTokens(v string) []string {
	v = strings.TrimSpace(v)
	for _, p := range []string{"v", "go"} { // v1.2.3 (Go modules), go1.22.3 (Go toolchains)
		if r := strings.TrimPrefix(v, p); r != v && r != "" && r[0] >= '0' && r[0] <= '9' {
			v = r
		}
	}
	var out []string
	for i := 0; i < len(v); {
		j := i
		digit := v[i] >= '0' && v[i] <= '9'
		for j < len(v) && (v[j] >= '0' && v[j] <= '9') == digit {
			j++
		}
		if tok := v[i:j]; tok != "." {
			out = append(out, tok)
		}
		i = j
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func preRelease(tok string) bool {
	t := strings.ToLower(strings.TrimLeft(tok, ".-_~"))
	if strings.HasPrefix(tok, "~") {
		return true // Debian: 1.0~rc1 < 1.0
	}
	for _, p := range []string{"rc", "alpha", "beta", "pre", "a", "b", "dev"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func compareToken(a, b string) int {
	da, db := isDigits(a), isDigits(b)
	switch {
	case da && db:
		na, ea := strconv.ParseUint(strings.TrimLeft(a, "0")+zeroIfEmpty(a), 10, 64)
		nb, eb := strconv.ParseUint(strings.TrimLeft(b, "0")+zeroIfEmpty(b), 10, 64)
		if ea == nil && eb == nil {
			switch {
			case na < nb:
				return -1
			case na > nb:
				return 1
			}
			return 0
		}
		if len(a) != len(b) {
			if len(strings.TrimLeft(a, "0")) < len(strings.TrimLeft(b, "0")) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case da:
		return 1 // a number outranks a label: 1.0.1 > 1.0.beta
	case db:
		return -1
	}
	return strings.Compare(a, b)
}
