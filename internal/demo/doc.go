// Package demo runs vigil end to end on embedded defaults: it builds a
// vulnerability DB from the real Go vulnerability database plus testdata's
// OS advisories, builds a deliberately vulnerable image (a Debian 12 dpkg
// database and a real Go program compiled against vulnerable modules),
// serves it from an in-process registry and scans it.
package demo
