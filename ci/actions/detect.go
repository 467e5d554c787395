package actions

// Detect reports whether the process runs as a GitHub Actions step; getenv
// is os.Getenv in the CLI.
func Detect(getenv func(string) string) bool { return getenv("GITHUB_ACTIONS") == "true" }
