package ledger

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// historySep separates the fields of a packed history row: a control
// character no path, name, tier or time the ledger writes contains. A row
// whose fields hold one anyway does not split into packedFields and is
// refused, never counted wrong.
const historySep = "\x1f"

// packedColumns are the history's columns but the id, joined into one
// text: the pure-Go SQLite driver's work is per column (on 200,000 rows the
// fourteen columns of Events cost 0.72 CPU-seconds to read, one packed
// column 0.41), and the read-outs read a million rows. concat_ws is in
// SQLite (3.44) and PostgreSQL alike; no column is ever NULL, which it
// would leave out.
var packedColumns = "concat_ws(?, " + strings.Join([]string{"at", "kind", "fingerprint", "group_key", "project_id",
	"project_path", "tier", "severity", "due_date", "actor", "detail", "expires", "mr_iid"}, ", ") + ")"

const packedFields = 13

// History streams the events in [from, until) in time order (from zero:
// from the first; until zero: to the last), as Events does but without
// their ids, read the cheapest way the driver allows: for counting.
func (l *Ledger) History(ctx context.Context, from, until time.Time) iter.Seq2[Event, error] {
	return l.streamEvents(ctx, packedColumns, []any{historySep}, from, until, func(scan func(...any) error) (Event, error) {
		var packed string
		if err := scan(&packed); err != nil {
			return Event{}, err
		}
		return unpackEvent(packed)
	})
}

// unpackEvent splits a packed row; its strings share the row's memory.
func unpackEvent(packed string) (Event, error) {
	var f [packedFields]string
	rest := packed
	for i := range packedFields - 1 {
		j := strings.Index(rest, historySep)
		if j < 0 {
			return Event{}, fmt.Errorf("a row has %d fields, want %d: %.80q", i+1, packedFields, packed)
		}
		f[i], rest = rest[:j], rest[j+len(historySep):]
	}
	if strings.Contains(rest, historySep) {
		return Event{}, fmt.Errorf("a row has more than %d fields (a value holds U+001F): %.80q", packedFields, packed)
	}
	f[packedFields-1] = rest
	projectID, err1 := strconv.ParseInt(f[4], 10, 64)
	sev, err2 := strconv.Atoi(f[7])
	mr, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Event{}, fmt.Errorf("a row's numbers do not parse: %.80q", packed)
	}
	return Event{At: parseTime(f[0]), Kind: EventKind(f[1]), Fingerprint: f[2], Group: f[3], ProjectID: projectID,
		ProjectPath: f[5], Tier: f[6], Severity: findings.Severity(sev), Due: parseTime(f[8]), Actor: f[9], Detail: f[10],
		Expires: parseTime(f[11]), MR: mr}, nil
}
