// Package sla holds the remediation policy: labels, due dates, breach stages and per-project overrides.
package sla
