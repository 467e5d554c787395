// Package gotoolchain fixes Go standard-library findings by moving the
// toolchain directive and golang builder images to the fixed patch release
// of the same minor line.
package gotoolchain
