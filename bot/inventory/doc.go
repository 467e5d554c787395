// Package inventory holds vigil's asset inventory: what images exist in
// which registries and where they run, gathered from sources (registries and
// clusters) that each fail alone, then tied to owners and tiers by rules.
package inventory
