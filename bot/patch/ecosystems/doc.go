// Package ecosystems is the one list of patchers vigil runs, in the order
// they are asked whether they handle a finding.
package ecosystems
