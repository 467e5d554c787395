// Package patchtest holds what the patchers' tests share: copying a fixture
// repository into a scratch directory.
package patchtest
