// Package sqlite opens SQLite files: the one place that names the driver and
// turns settings (busy timeout, journal mode, transaction locking) into a
// connection string, for the bot's ledger and inbox and the CI job's DB
// build workspace alike.
package sqlite
