// Package scan is the CI job end to end: acquire the target once, inventory
// it, match it, apply the gate's suppressions and write every report, all or
// nothing.
package scan
