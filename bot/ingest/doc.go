// Package ingest downloads scan reports from a finished job's artifacts and checks them before anything is recorded.
package ingest
