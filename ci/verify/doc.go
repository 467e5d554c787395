// Package verify proves a proposed base-image bump before anyone reviews it:
// it scans the current and the candidate image with vigil's own pipeline and
// counts how many of the findings the bump claims to fix each one still has.
package verify
