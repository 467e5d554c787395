package actions

import "os"

// Detect reports whether the process runs as a GitHub Actions step.
func Detect() bool { return os.Getenv("GITHUB_ACTIONS") == "true" }
