package glreport

import (
	"regexp"
	"slices"
	"strings"
)

// identifierFor names an advisory id the way GitLab's analyzers do, with a
// link to the database that publishes it.
func identifierFor(id string) Identifier {
	up := strings.ToUpper(id)
	ident := Identifier{Name: id, Value: id}
	switch {
	case strings.HasPrefix(up, "CVE-"):
		ident.Type, ident.URL = "cve", "https://nvd.nist.gov/vuln/detail/"+id
	case strings.HasPrefix(up, "GHSA-"):
		ident.Type, ident.URL = "ghsa", "https://github.com/advisories/"+id
	case strings.HasPrefix(up, "GO-"):
		ident.Type, ident.URL = "go", "https://pkg.go.dev/vuln/"+id
	default:
		ident.Type = "vigil"
		if i := strings.IndexByte(id, '-'); i > 0 {
			ident.Type = strings.ToLower(id[:i])
		}
		ident.URL = "https://osv.dev/vulnerability/" + id
	}
	return ident
}

// CVSS metrics and their values (FIRST's CVSS v2 and v3.x specifications).
// Vectors that do not parse (CVSS 4.0, say) are left out of GitLab's report
// rather than making it invalid.
var (
	cvss3Values = map[string][]string{
		"AV": {"N", "A", "L", "P"}, "AC": {"L", "H"}, "PR": {"N", "L", "H"}, "UI": {"N", "R"}, "S": {"U", "C"},
		"C": {"N", "L", "H"}, "I": {"N", "L", "H"}, "A": {"N", "L", "H"},
		"E": {"X", "U", "P", "F", "H"}, "RL": {"X", "O", "T", "W", "U"}, "RC": {"X", "U", "R", "C"},
		"CR": {"X", "L", "M", "H"}, "IR": {"X", "L", "M", "H"}, "AR": {"X", "L", "M", "H"},
		"MAV": {"X", "N", "A", "L", "P"}, "MAC": {"X", "L", "H"}, "MPR": {"X", "N", "L", "H"}, "MUI": {"X", "N", "R"},
		"MS": {"X", "U", "C"}, "MC": {"X", "N", "L", "H"}, "MI": {"X", "N", "L", "H"}, "MA": {"X", "N", "L", "H"},
	}
	cvss3Base   = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}
	cvss2Values = map[string][]string{
		"AV": {"L", "A", "N"}, "AC": {"H", "M", "L"}, "Au": {"M", "S", "N"},
		"C": {"N", "P", "C"}, "I": {"N", "P", "C"}, "A": {"N", "P", "C"},
		"E": {"U", "POC", "F", "H", "ND"}, "RL": {"OF", "TF", "W", "U", "ND"}, "RC": {"UC", "UR", "C", "ND"},
		"CDP": {"N", "L", "LM", "MH", "H", "ND"}, "TD": {"N", "L", "M", "H", "ND"},
		"CR": {"L", "M", "H", "ND"}, "IR": {"L", "M", "H", "ND"}, "AR": {"L", "M", "H", "ND"},
	}
	cvss2Base = []string{"AV", "AC", "Au", "C", "I", "A"}
	linkURL   = regexp.MustCompile(`^(https?|ftp)://.+`)
)

// validVector reports whether v is a well-formed CVSS v2 or v3.x vector with
// every base metric.
func validVector(v string) bool {
	if len(v) > 128 {
		return false
	}
	values, base := cvss2Values, cvss2Base
	if rest, ok := strings.CutPrefix(v, "CVSS:3.0/"); ok {
		v, values, base = rest, cvss3Values, cvss3Base
	} else if rest, ok := strings.CutPrefix(v, "CVSS:3.1/"); ok {
		v, values, base = rest, cvss3Values, cvss3Base
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(v, "/") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || seen[k] || !slices.Contains(values[k], val) {
			return false
		}
		seen[k] = true
	}
	for _, k := range base {
		if !seen[k] {
			return false
		}
	}
	return true
}
