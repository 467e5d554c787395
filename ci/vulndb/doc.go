// Package vulndb builds grype v6 vulnerability databases from local data with
// grype's own builder, reports what a database holds, and opens one for matching.
package vulndb
