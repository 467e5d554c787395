// Package demo builds vigil's demo image from testdata: a Debian 12 root
// filesystem carrying a dpkg database with known-vulnerable packages, plus a
// real Go program compiled against vulnerable module versions.
package demo
