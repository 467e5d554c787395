package webhook

import "time"

// Delivery is one accepted webhook delivery: what the receiver stores
// (Key, Event, Body, Received) and, once the ledger records it, how its
// processing went (Status is one of ledger's Delivery* statuses).
type Delivery struct {
	Key         string
	Event       string
	Body        []byte
	Received    time.Time
	Status      string
	Error       string
	ProcessedAt time.Time
}
