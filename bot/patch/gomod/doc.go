// Package gomod patches Go module requirements with the real go command, so
// that go.mod, go.sum and vendor/ stay consistent.
package gomod
