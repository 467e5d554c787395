package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Fingerprint identifies a finding across builds: project, asset repository
// (never tag or digest), package type and name, and the vulnerability's
// canonical id. Tags and digests change every build; the fingerprint must not.
func Fingerprint(project, repository, pkgType, pkgName, vulnKey string) string {
	h := sha256.New()
	for _, part := range []string{project, repository, pkgType, pkgName, vulnKey} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CanonicalID picks the id that names a vulnerability across databases: a
// CVE id when the id or one of its aliases is one, else the id itself.
func CanonicalID(id string, aliases []string) string {
	if strings.HasPrefix(strings.ToUpper(id), "CVE-") {
		return id
	}
	for _, a := range aliases {
		if strings.HasPrefix(strings.ToUpper(a), "CVE-") {
			return a
		}
	}
	return id
}

// Key is this finding's canonical vulnerability id.
func (f Finding) Key() string { return CanonicalID(f.Vulnerability.ID, f.Vulnerability.Aliases) }

// FingerprintFor computes a finding's fingerprint within a project.
func FingerprintFor(project string, asset Asset, f Finding) string {
	return Fingerprint(project, asset.Repository, f.Package.Type, f.Package.Name, f.Key())
}
