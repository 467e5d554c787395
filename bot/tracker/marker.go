package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
)

// markers writes and checks the hidden markers by which the bot finds its
// own issues and acknowledgements again after losing its ledger. Each
// carries a MAC keyed with a secret of the bot's configuration: a marker
// anyone could compute from public facts (project, package, CVE) would let
// anyone plant an issue for the bot to adopt.
type markers struct{ key []byte }

func (m markers) mac(kind string, parts ...string) string {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (m markers) valid(mac, kind string, parts ...string) bool {
	return hmac.Equal([]byte(mac), []byte(m.mac(kind, parts...)))
}

// group is the hidden line naming the group an issue tracks.
func (m markers) group(group string) string {
	return "<!-- vigil:group " + group + " " + m.mac("group", group) + " -->"
}

var groupRe = regexp.MustCompile(`<!-- vigil:group ([0-9a-f]+) ([0-9a-f]{32}) -->`)

// tracks reports whether a description carries the bot's marker of group.
func (m markers) tracks(description, group string) bool {
	for _, sm := range groupRe.FindAllStringSubmatch(description, -1) {
		if sm[1] == group && m.valid(sm[2], "group", group) {
			return true
		}
	}
	return false
}

// ack is the hidden line of the bot's reply to an exception command: it
// names the command's note, which recovery reads back through the API.
func (m markers) ack(group string, noteID int64) string {
	id := strconv.FormatInt(noteID, 10)
	return "<!-- vigil:ack " + id + " " + m.mac("ack", group, id) + " -->"
}

var ackRe = regexp.MustCompile(`<!-- vigil:ack ([0-9]+) ([0-9a-f]{32}) -->`)

// acked returns the command note an acknowledgement of group names.
func (m markers) acked(body, group string) (int64, bool) {
	sm := ackRe.FindStringSubmatch(body)
	if sm == nil || !m.valid(sm[2], "ack", group, sm[1]) {
		return 0, false
	}
	id, err := strconv.ParseInt(sm[1], 10, 64)
	return id, err == nil
}
