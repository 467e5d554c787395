package tracker

import (
	"strings"
	"testing"
)

func TestMarkersNeedTheKey(t *testing.T) {
	bot := markers{key: []byte("the bot's secret marker key")}
	stranger := markers{key: []byte("a guess")}
	const group = "0123abcd"
	desc := "x\n" + bot.group(group) + "\ny"
	if !bot.tracks(desc, group) {
		t.Fatal("the bot does not recognise its own marker")
	}
	if bot.tracks(desc, "0123abce") {
		t.Error("a marker names another group")
	}
	for name, forged := range map[string]string{
		"unkeyed (old format)": "<!-- vigil:group " + group + " -->",
		"another key":          stranger.group(group),
		"truncated mac":        strings.Replace(bot.group(group), " -->", "0 -->", 1),
	} {
		if bot.tracks(forged, group) {
			t.Errorf("%s marker accepted: %s", name, forged)
		}
	}
	ack := bot.ack(group, 42)
	if id, ok := bot.acked("Risk accepted.\n\n"+ack, group); !ok || id != 42 {
		t.Errorf("acked = %d, %v", id, ok)
	}
	if _, ok := bot.acked(strings.Replace(ack, "42", "43", 1), group); ok {
		t.Error("an acknowledgement pointing at another note was accepted")
	}
	if _, ok := bot.acked(stranger.ack(group, 42), group); ok {
		t.Error("an acknowledgement under another key was accepted")
	}
}
