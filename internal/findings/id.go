package findings

import (
	"regexp"
	"strings"
)

// bareHash matches ids that are only an analyzer's internal key: a hex
// digest or a UUID, which mean nothing to the person reading the issue.
var bareHash = regexp.MustCompile(`^(?i:[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// IsBareHash reports whether an id is an analyzer's internal hash or UUID.
func IsBareHash(id string) bool { return bareHash.MatchString(id) }

// DisplayID picks the id people should read: a CVE if the id or an alias
// is one, else a GHSA, else the first id that is not a bare hash, else the
// id itself. It names issues; the fingerprint keeps using CanonicalID so
// identities recorded before this choice existed stay the same.
func DisplayID(id string, aliases []string) string {
	all := append([]string{id}, aliases...)
	for _, prefix := range []string{"CVE-", "GHSA-"} {
		for _, a := range all {
			if strings.HasPrefix(strings.ToUpper(a), prefix) {
				return a
			}
		}
	}
	for _, a := range all {
		if a != "" && !IsBareHash(a) {
			return a
		}
	}
	return id
}
