// Package readout computes the vulnerability-management numbers of a period
// and scope from the ledger's history (open by severity and age, past due,
// SLA compliance, time to remediate, new vs fixed per week, exceptions, the
// patch merge request funnel, coverage) and renders them as a stakeholder
// read-out: HTML with inline SVG charts, Markdown, CSV or JSON. Data in,
// numbers out: it serves nothing over HTTP.
package readout
