package containerfile

import "strings"

// Final is the FROM the shipped image is built on: the last stage, followed
// back through stage references.
func (f *File) Final() From {
	if len(f.Froms) == 0 {
		return From{Line: -1}
	}
	from := f.Froms[len(f.Froms)-1]
	for from.StageRef {
		prev := from
		for _, s := range f.Froms {
			if strings.EqualFold(s.Stage, from.Image) && s.Line < from.Line {
				prev = s
			}
		}
		if prev.Line == from.Line {
			break
		}
		from = prev
	}
	return from
}
