package mr

import (
	"fmt"
	"regexp"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
)

// badRef matches what git refuses in branch names.
var badRef = regexp.MustCompile(`[\s~^:?*\[\\@{}]+|\.\.+|//+`)

// Branch is vigil's branch for a bump: vigil/<ecosystem>/<package>-<version>.
func Branch(ecosystem, pkg, version string) string {
	clean := func(s string) string {
		s = badRef.ReplaceAllString(s, "-")
		return strings.Trim(s, "./-")
	}
	return "vigil/" + clean(ecosystem) + "/" + clean(pkg) + "-" + clean(version)
}

// Title is the merge request title for a bump; the names come from a
// report, so they are neutralised and the title capped to GitLab's limit.
func Title(pkg, from, to string) string {
	return markdown.Title(fmt.Sprintf("fix(deps): bump %s from %s to %s [security]", pkg, from, to))
}
