package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The manifest step edits package.json as text so that the owners'
// formatting, key order and comments-in-strings survive; only the one value
// changes. These helpers find byte offsets of object members.

// member is one "key": value pair of a JSON object, as byte offsets.
type member struct {
	key              string
	valStart, valEnd int
}

var errSyntax = errors.New("malformed JSON")

func skipSpace(data []byte, i int) int {
	for i < len(data) && strings.IndexByte(" \t\r\n", data[i]) >= 0 {
		i++
	}
	return i
}

// skipString returns the offset just past the string starting at data[i].
func skipString(data []byte, i int) (int, error) {
	if i >= len(data) || data[i] != '"' {
		return 0, errSyntax
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errSyntax
}

// skipValue returns the offset just past the value starting at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errSyntax
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				end, err := skipString(data, i)
				if err != nil {
					return 0, err
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errSyntax
	}
	j := i
	for j < len(data) && strings.IndexByte(",}] \t\r\n", data[j]) < 0 {
		j++
	}
	if j == i {
		return 0, errSyntax
	}
	return j, nil
}

// members lists the members of the object starting at data[start].
func members(data []byte, start int) ([]member, error) {
	if start >= len(data) || data[start] != '{' {
		return nil, errSyntax
	}
	var out []member
	i := skipSpace(data, start+1)
	if i < len(data) && data[i] == '}' {
		return nil, nil
	}
	for i < len(data) {
		keyEnd, err := skipString(data, i)
		if err != nil {
			return nil, err
		}
		var key string
		if err := json.Unmarshal(data[i:keyEnd], &key); err != nil {
			return nil, errSyntax
		}
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return nil, errSyntax
		}
		vs := skipSpace(data, i+1)
		ve, err := skipValue(data, vs)
		if err != nil {
			return nil, err
		}
		out = append(out, member{key: key, valStart: vs, valEnd: ve})
		i = skipSpace(data, ve)
		if i < len(data) && data[i] == '}' {
			return out, nil
		}
		if i >= len(data) || data[i] != ',' {
			return nil, errSyntax
		}
		i = skipSpace(data, i+1)
	}
	return nil, errSyntax
}

func find(ms []member, key string) (member, bool) {
	for _, m := range ms {
		if m.key == key {
			return m, true
		}
	}
	return member{}, false
}

func root(data []byte) ([]member, int, error) {
	if !json.Valid(data) {
		return nil, 0, errSyntax
	}
	start := skipSpace(data, 0)
	ms, err := members(data, start)
	return ms, start, err
}

func splice(data []byte, start, end int, with string) []byte {
	out := make([]byte, 0, len(data)+len(with))
	out = append(out, data[:start]...)
	out = append(out, with...)
	return append(out, data[end:]...)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// indentUnit guesses the file's indentation from its first member.
func indentUnit(data []byte, ms []member) string {
	if len(ms) == 0 {
		return "  "
	}
	keyStart := strings.LastIndexByte(string(data[:ms[0].valStart]), '"')
	keyStart = strings.LastIndexByte(string(data[:keyStart]), '"')
	line := strings.LastIndexByte(string(data[:keyStart]), '\n')
	if ind := string(data[line+1 : keyStart]); line >= 0 && strings.Trim(ind, " \t") == "" && ind != "" {
		return ind
	}
	return "  "
}

// setDependency rewrites the spec of name in every dependency section that
// declares it, with spec(old) as the new value.
func setDependency(data []byte, name string, spec func(old string) string) ([]byte, bool, error) {
	changed := false
	for _, section := range depSections() {
		ms, _, err := root(data)
		if err != nil {
			return nil, false, fmt.Errorf("edit package.json: %w", err)
		}
		sec, ok := find(ms, section)
		if !ok || data[sec.valStart] != '{' {
			continue
		}
		deps, err := members(data, sec.valStart)
		if err != nil {
			return nil, false, fmt.Errorf("edit package.json %s: %w", section, err)
		}
		d, ok := find(deps, name)
		if !ok || data[d.valStart] != '"' {
			continue
		}
		var old string
		if err := json.Unmarshal(data[d.valStart:d.valEnd], &old); err != nil {
			return nil, false, fmt.Errorf("edit package.json %s: %w", section, err)
		}
		if nw := spec(old); nw != old {
			data = splice(data, d.valStart, d.valEnd, quote(nw))
			changed = true
		}
	}
	return data, changed, nil
}

// setOverride pins name to version in the top-level overrides object,
// creating it when needed.
func setOverride(data []byte, name, version string) ([]byte, error) {
	ms, start, err := root(data)
	if err != nil {
		return nil, fmt.Errorf("edit package.json: %w", err)
	}
	ind := indentUnit(data, ms)
	entry := quote(name) + ": " + quote(version)
	ov, ok := find(ms, "overrides")
	if !ok {
		block := quote("overrides") + ": {\n" + ind + ind + entry + "\n" + ind + "}"
		if len(ms) == 0 {
			end := skipSpace(data, start+1)
			return splice(data, start+1, end, "\n"+ind+block+"\n"), nil
		}
		last := ms[len(ms)-1].valEnd
		return splice(data, last, last, ",\n"+ind+block), nil
	}
	if data[ov.valStart] != '{' {
		return nil, fmt.Errorf("edit package.json: overrides is not an object")
	}
	entries, err := members(data, ov.valStart)
	if err != nil {
		return nil, fmt.Errorf("edit package.json overrides: %w", err)
	}
	if e, ok := find(entries, name); ok {
		if data[e.valStart] != '"' {
			return nil, fmt.Errorf("edit package.json: overrides.%s is nested; vigil only writes plain version overrides", name)
		}
		return splice(data, e.valStart, e.valEnd, quote(version)), nil
	}
	if len(entries) == 0 {
		return splice(data, ov.valStart, ov.valEnd, "{\n"+ind+ind+entry+"\n"+ind+"}"), nil
	}
	last := entries[len(entries)-1].valEnd
	return splice(data, last, last, ",\n"+ind+ind+entry), nil
}
