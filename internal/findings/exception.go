package findings

// ExceptionKind is the kind of exception recorded on a tracked finding's
// issue: why the bot neither reopens nor escalates it. The ledger stores it,
// the tracker records it from comment commands, and the SLA policy labels it.
type ExceptionKind string

// Exception kinds; the zero value records none.
const (
	NoException   ExceptionKind = ""
	AcceptedRisk  ExceptionKind = "accepted-risk"  // until an expiry date
	FalsePositive ExceptionKind = "false-positive" // for good
)
