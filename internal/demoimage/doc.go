// Package demoimage builds vigil's deliberately vulnerable demo image from
// testdata: a Debian 12 root filesystem carrying a dpkg database with
// known-vulnerable packages, plus a real Go program compiled against
// vulnerable module versions. It needs only go-containerregistry and the go
// command, so any test can use it.
package demoimage
