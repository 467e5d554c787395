// Package actions adapts `vigil scan` to GitHub Actions: inputs from INPUT_*,
// step outputs, a Markdown job summary and one error annotation per failing
// finding.
package actions
