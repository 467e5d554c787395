// Package ledger records deliveries, ingests, findings and their tracking issues in SQL tables beside the job queue.
package ledger
