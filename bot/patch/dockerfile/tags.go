package dockerfile

import (
	"regexp"
	"sort"
	"strconv"
)

var (
	tokenRE = regexp.MustCompile(`\d+|\D+`)
	dateRE  = regexp.MustCompile(`^(19|20)\d{6}$`)
)

// tagShape says which number of a tag may move: the index of that token,
// or -1 when the tag names no patch line (a floating "3.19", "latest").
// A date stamp (20240513) moves if there is one; otherwise the last number
// of the leading dotted version, when it has at least three parts, so that
// 3.19.1 → 3.19.4 and 1.22.3-alpine3.19 → 1.22.5-alpine3.19.
func tagShape(tokens []string) int {
	for i, t := range tokens {
		if dateRE.MatchString(t) {
			return i
		}
	}
	first := -1
	for i, t := range tokens {
		if isNum(t) {
			first = i
			break
		}
	}
	if first < 0 {
		return -1
	}
	last, parts := first, 1
	for last+2 < len(tokens) && tokens[last+1] == "." && isNum(tokens[last+2]) {
		last += 2
		parts++
	}
	if parts < 3 {
		return -1
	}
	return last
}

func isNum(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// Versioned reports whether a tag names a patch line that can move
// (3.19.1, 1.22.3-alpine3.19, 20240513), not a floating one (3.19, latest).
func Versioned(tag string) bool { return tagShape(tokenRE.FindAllString(tag, -1)) >= 0 }

// Candidates returns the tags of the same line and variant as tag that are
// newer, newest first: the same tokens except the moving number, which is
// larger.
func Candidates(tag string, tags []string) []string {
	cur := tokenRE.FindAllString(tag, -1)
	at := tagShape(cur)
	if at < 0 {
		return nil
	}
	curN, err := strconv.ParseUint(cur[at], 10, 64)
	if err != nil {
		return nil
	}
	type cand struct {
		tag string
		n   uint64
	}
	var out []cand
	for _, t := range tags {
		toks := tokenRE.FindAllString(t, -1)
		if len(toks) != len(cur) {
			continue
		}
		same := true
		for i := range toks {
			if i != at && toks[i] != cur[i] {
				same = false
				break
			}
		}
		if !same || !isNum(toks[at]) {
			continue
		}
		n, err := strconv.ParseUint(toks[at], 10, 64)
		if err != nil || n <= curN || (len(toks[at]) > 1 && toks[at][0] == '0') {
			continue
		}
		out = append(out, cand{t, n})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].n > out[j].n })
	tagsOut := make([]string, len(out))
	for i, c := range out {
		tagsOut[i] = c.tag
	}
	return tagsOut
}
