// Command bench measures vigil against the grype and syft CLIs on the same
// images and DB, alternating runs, and prints the medians as Markdown.
//
// Run it from the repository root (root is needed: debootstrap):
//
//	go run ./bench -reps 5 -out BENCHMARKS.md
package main
