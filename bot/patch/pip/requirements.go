package pip

import (
	"regexp"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// pinRE matches a requirement pinned with == or ===: name, extras,
// operator and version, then whatever follows (markers, comments).
var pinRE = regexp.MustCompile(`^(\s*)([A-Za-z0-9][A-Za-z0-9._-]*)(\s*\[[^\]]*\])?(\s*)(===?)(\s*)([^\s;#\\,]+)(\s*(?:[;#\\].*)?)$`)

// pin is one pinned requirement: its logical line spans lines[first:last+1].
type pin struct {
	name, version string
	first, last   int
	hashed        bool
}

var normRE = regexp.MustCompile(`[-_.]+`)

// normalize is PEP 503's name normalisation.
func normalize(name string) string { return strings.ToLower(normRE.ReplaceAllString(name, "-")) }

// parse finds the pinned requirements of a requirements file.
func parse(data []byte) []pin {
	lines := strings.Split(string(data), "\n")
	var out []pin
	for i := 0; i < len(lines); i++ {
		first := i
		logical := lines[i]
		for strings.HasSuffix(strings.TrimRight(lines[i], "\r"), `\`) && i+1 < len(lines) {
			i++
			logical += "\n" + lines[i]
		}
		m := pinRE.FindStringSubmatch(strings.TrimRight(lines[first], "\r"))
		if m == nil {
			continue
		}
		out = append(out, pin{name: m[2], version: m[7], first: first, last: i, hashed: strings.Contains(logical, "--hash")})
	}
	return out
}

// rewrite pins every requirement named pkg below version to version. It
// reports hashed when such a requirement carries hashes, which a text edit
// cannot keep true.
func rewrite(data []byte, pkg, version string) (out []byte, hashed bool) {
	lines := strings.Split(string(data), "\n")
	for _, p := range parse(data) {
		if normalize(p.name) != normalize(pkg) || patch.CompareVersions(p.version, version) >= 0 {
			continue
		}
		if p.hashed {
			return data, true
		}
		line := lines[p.first]
		cr := strings.HasSuffix(line, "\r")
		m := pinRE.FindStringSubmatch(strings.TrimRight(line, "\r"))
		line = m[1] + m[2] + m[3] + m[4] + m[5] + m[6] + version + m[8]
		if cr {
			line += "\r"
		}
		lines[p.first] = line
	}
	return []byte(strings.Join(lines, "\n")), false
}
