// Package patch declares the patchers that turn findings with a known fix into
// edited manifests and lock files, one package per ecosystem.
package patch
