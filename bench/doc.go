// Command bench measures vigil against the grype and syft CLIs on the same
// images and DB, alternating runs, plus re-matching throughput and the bot
// under webhook load, and prints the results as Markdown (BENCHMARKS.md
// explains them).
//
// Run it from the repository root, as root (debootstrap needs it):
//
//	go run ./bench -reps 5 -out bench-results.md
package main
