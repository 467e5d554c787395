// Package glreport reads and writes GitLab security reports (schema 14.x and 15.x; vigil writes 15.x) of
// the container_scanning and dependency_scanning kinds, converting them to and
// from vigil's findings model.
package glreport
