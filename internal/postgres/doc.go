// Package postgres opens PostgreSQL databases for the bot: the one place
// that names the driver (pgx, through database/sql so the ledger, the inbox
// and River share *sql.Tx on both databases) and that takes the session
// advisory locks several replicas coordinate with.
package postgres
