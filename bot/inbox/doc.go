// Package inbox is where the webhook receiver lands deliveries before they
// reach the ledger and the job queue.
//
// It is a SQLite file of its own because SQLite admits one writer per file:
// in the main data file the queue completes jobs in batches that hold the
// write lock for tens of milliseconds, and an acknowledgement waiting behind
// such a batch made GitLab wait too. Here only the receiver and the
// dispatcher that empties the inbox write, in short transactions.
package inbox
