// Package inbox is where the webhook receiver lands deliveries before they
// reach the ledger and the job queue.
//
// On SQLite it is a file of its own because SQLite admits one writer per
// file: in the main data file the queue completes jobs in batches that hold
// the write lock for tens of milliseconds, and an acknowledgement waiting
// behind such a batch made GitLab wait too. Here only the receiver and the
// dispatcher that empties the inbox write, in short transactions.
//
// On PostgreSQL, which has row locks, it is a table in the shared database:
// every replica's receiver writes to it (so a retried delivery is a
// duplicate whichever replica it reaches), and the dispatchers claim rows
// with SKIP LOCKED in the transaction that records them in the ledger.
package inbox
