package tracker

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

var mention = regexp.MustCompile(`(^|[^\w])@[A-Za-z0-9_.\-]`)

func TestParseCommand(t *testing.T) {
	today := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		body    string
		ok      bool
		verb    string
		expires string
		reason  string
		err     string
	}{
		{body: "looks bad", ok: false},
		{body: "please run /vigil revoke later", ok: false}, // not on its own line
		{body: "/vigil accept-risk 2026-12-01 vendor patch in Q1", ok: true, verb: "accept-risk", expires: "2026-12-01", reason: "vendor patch in Q1"},
		{body: "Context first.\n  /vigil false-positive not reachable from main\nthanks", ok: true, verb: "false-positive", reason: "not reachable from main"},
		{body: "/vigil revoke", ok: true, verb: "revoke"},
		{body: "/vigil accept-risk 2026-12-01", ok: true, err: "needs a reason"},
		{body: "/vigil accept-risk tomorrow because", ok: true, err: "YYYY-MM-DD"},
		{body: "/vigil accept-risk 2026-11-02 today is not the future", ok: true, err: "not in the future"},
		{body: "/vigil false-positive", ok: true, err: "needs a reason"},
		{body: "/vigil snooze", ok: true, err: "unknown command"},
		{body: "/vigil", ok: true, err: "missing command"},
	}
	for _, tt := range tests {
		c, ok, err := ParseCommand(tt.body, today)
		if ok != tt.ok {
			t.Errorf("%q: ok = %v", tt.body, ok)
			continue
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.body, err)
			continue
		}
		if c.Verb != tt.verb || c.Reason != tt.reason || (tt.expires != "" && c.Expires.Format(time.DateOnly) != tt.expires) {
			t.Errorf("%q: %+v", tt.body, c)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	f.Add("/vigil accept-risk 2027-01-01 reason")
	f.Add("/vigil false-positive x\n/vigil revoke")
	today := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		c, ok, err := ParseCommand(body, today)
		if !ok || err != nil {
			return
		}
		// The reply quotes the reason: as text, never as markup.
		reply, _ := applyCommand(&ledger.Issue{Exception: findings.FalsePositive}, c, "alice")
		if strings.Contains(reply, "<") || mention.MatchString(strings.ReplaceAll(reply, "@alice", "")) || strings.Contains(reply, "\n") {
			t.Errorf("reply to %q carries markup: %q", body, reply)
		}
		switch c.Verb {
		case "accept-risk":
			if c.Reason == "" || !c.Expires.After(today) {
				t.Errorf("accepted %q as %+v", body, c)
			}
		case "false-positive":
			if c.Reason == "" {
				t.Errorf("accepted %q as %+v", body, c)
			}
		case "revoke":
		default:
			t.Errorf("unknown verb accepted: %+v", c)
		}
	})
}
