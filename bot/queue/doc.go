// Package queue runs the bot's durable jobs on River over the same database as the ledger.
package queue
