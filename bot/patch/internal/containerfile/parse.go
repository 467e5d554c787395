package containerfile

import (
	"fmt"
	"regexp"
	"strings"
)

// File is a parsed Dockerfile, kept as lines so edits change only what
// they must.
type File struct {
	Lines []string
	Froms []From
	Args  []Arg // global ARGs, declared before the first FROM
}

// From is one FROM instruction.
type From struct {
	Line     int    // index in Lines
	Raw      string // the image reference as written: golang:${GO}-alpine
	Image    string // Raw with global ARGs expanded: golang:1.22.3-alpine
	Stage    string // the AS name, if any
	Platform string // --platform value, if any
	// StageRef is set when Image names an earlier stage, not an image.
	StageRef bool
}

// Arg is one global ARG instruction.
type Arg struct {
	Line     int
	Name     string
	Value    string
	HasValue bool
}

var (
	fromRE = regexp.MustCompile(`(?i)^\s*FROM\s+(.*)$`)
	argRE  = regexp.MustCompile(`(?i)^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?\s*$`)
	varRE  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
)

// Parse reads the FROM lines and global ARGs of a Dockerfile.
func Parse(data []byte) (*File, error) {
	f := &File{Lines: strings.Split(string(data), "\n")}
	args := map[string]string{}
	stages := map[string]bool{}
	for i, line := range f.Lines {
		line = strings.TrimRight(line, "\r")
		if m := argRE.FindStringSubmatch(line); m != nil && len(f.Froms) == 0 {
			a := Arg{Line: i, Name: m[1], Value: strings.Trim(m[2], `"'`), HasValue: strings.Contains(line, "=")}
			f.Args = append(f.Args, a)
			args[a.Name] = a.Value
			continue
		}
		m := fromRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[1])
		from := From{Line: i}
		for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
			if v, ok := strings.CutPrefix(fields[0], "--platform="); ok {
				from.Platform = v
			}
			fields = fields[1:]
		}
		if len(fields) == 0 || strings.HasSuffix(fields[0], `\`) {
			return nil, fmt.Errorf("parse Dockerfile line %d: FROM without an image on the same line", i+1)
		}
		from.Raw = fields[0]
		if len(fields) >= 3 && strings.EqualFold(fields[1], "AS") {
			from.Stage = fields[2]
		}
		from.Image = expand(from.Raw, args)
		from.StageRef = stages[strings.ToLower(from.Image)]
		if from.Stage != "" {
			stages[strings.ToLower(from.Stage)] = true
		}
		f.Froms = append(f.Froms, from)
	}
	return f, nil
}

// expand substitutes ${VAR}, $VAR, ${VAR:-default} and ${VAR:+alt}.
func expand(s string, args map[string]string) string {
	return varRE.ReplaceAllStringFunc(s, func(ref string) string {
		m := varRE.FindStringSubmatch(ref)
		name := m[1] + m[3]
		v, set := args[name]
		switch {
		case strings.Contains(ref, ":-") && v == "":
			return m[2]
		case strings.Contains(ref, ":+"):
			if v != "" {
				return m[2]
			}
			return ""
		case !set:
			return ""
		}
		return v
	})
}

// SetImage makes from refer to image (fully expanded). A reference written
// without variables is rewritten in place; one built from a single global
// ARG has that ARG's default rewritten. Anything else is an error.
func (f *File) SetImage(from From, image string) error {
	if from.Image == image {
		return nil
	}
	refs := varRE.FindAllStringIndex(from.Raw, -1)
	switch len(refs) {
	case 0:
		f.Lines[from.Line] = replaceField(f.Lines[from.Line], from.Raw, image)
		return nil
	case 1:
		prefix, suffix := from.Raw[:refs[0][0]], from.Raw[refs[0][1]:]
		if !strings.HasPrefix(image, prefix) || !strings.HasSuffix(image, suffix) || len(image) < len(prefix)+len(suffix) {
			return fmt.Errorf("set image on Dockerfile line %d: %s is not of the form %s", from.Line+1, image, from.Raw)
		}
		value := image[len(prefix) : len(image)-len(suffix)]
		m := varRE.FindStringSubmatch(from.Raw[refs[0][0]:refs[0][1]])
		name := m[1] + m[3]
		for i := len(f.Args) - 1; i >= 0; i-- {
			a := f.Args[i]
			if a.Name != name || !a.HasValue || a.Line > from.Line {
				continue
			}
			line := strings.TrimRight(f.Lines[a.Line], "\r")
			cr := len(line) != len(f.Lines[a.Line])
			eq := strings.Index(line, "=")
			quote := ""
			if rest := line[eq+1:]; strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, `'`) {
				quote = rest[:1]
			}
			f.Lines[a.Line] = line[:eq+1] + quote + value + quote
			if cr {
				f.Lines[a.Line] += "\r"
			}
			f.Args[i].Value = value
			return nil
		}
		return fmt.Errorf("set image on Dockerfile line %d: no global ARG %s with a default to change", from.Line+1, name)
	}
	return fmt.Errorf("set image on Dockerfile line %d: %s is built from several ARGs", from.Line+1, from.Raw)
}

// replaceField replaces the whitespace-separated field old in line.
func replaceField(line, old, new string) string {
	i := strings.Index(line, " "+old)
	if i < 0 {
		i = strings.Index(line, "\t"+old)
	}
	if i < 0 {
		return line
	}
	return line[:i+1] + new + line[i+1+len(old):]
}

// Bytes renders the file with its edits.
func (f *File) Bytes() []byte { return []byte(strings.Join(f.Lines, "\n")) }
