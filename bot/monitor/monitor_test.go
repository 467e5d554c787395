package monitor

import (
	"fmt"
	"testing"
)

func TestNeeds(t *testing.T) {
	ch := Changes{Keys: []string{"n:golangorg/x/net"}}
	set := ch.KeySet()
	for _, c := range []struct {
		build string
		keys  []string
		want  bool
	}{
		{"xxh64:1", []string{"n:golangorg/x/net", "n:stdlib"}, true},
		{"xxh64:1", []string{"n:leftpad"}, false},
		{"", nil, true}, // never matched
	} {
		if got := ch.Needs(c.build, c.keys, set); got != c.want {
			t.Errorf("Needs(%q, %v) = %v", c.build, c.keys, got)
		}
	}
	if !(Changes{Full: true}).Needs("xxh64:1", nil, nil) {
		t.Error("a full diff needs every SBOM")
	}
}

func TestBatch(t *testing.T) {
	got := Batch([]string{"a", "b", "c", "d", "e"}, 2)
	if fmt.Sprint(got) != "[[a b] [c d] [e]]" {
		t.Errorf("Batch = %v", got)
	}
}
