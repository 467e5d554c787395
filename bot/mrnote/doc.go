// Package mrnote keeps one note on a merge request that says which findings
// the merge request introduces and which it fixes, compared with the default
// branch's last complete scan, edited in place on every new pipeline.
package mrnote
