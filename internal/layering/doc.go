// Package layering holds the test that guards the tree's shape: the bot
// never depends on the CI job's packages or on syft/grype, and the CI job
// never depends on the bot; and no production function is over 80 lines.
// It has no code of its own.
package layering
