package scan

import "runtime/debug"

// grypeVersion is the grype module linked into this binary.
var grypeVersion = moduleVersion("github.com/anchore/grype")

func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range info.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}
