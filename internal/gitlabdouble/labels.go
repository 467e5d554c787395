package gitlabdouble

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// defaultLabelColor is the color GitLab gives labels created implicitly by
// naming them on an issue or merge request.
const defaultLabelColor = "#6699cc"

// Label is a project label as the labels API shows it.
type Label struct {
	ID                     int    `json:"id"`
	Name                   string `json:"name"`
	Color                  string `json:"color"`
	TextColor              string `json:"text_color"`
	Description            string `json:"description"`
	DescriptionHTML        string `json:"description_html"`
	OpenIssuesCount        int    `json:"open_issues_count"`
	ClosedIssuesCount      int    `json:"closed_issues_count"`
	OpenMergeRequestsCount int    `json:"open_merge_requests_count"`
	Subscribed             bool   `json:"subscribed"`
	Priority               *int   `json:"priority"`
	IsProjectLabel         bool   `json:"is_project_label"`
}

// LabelSpec seeds a label.
type LabelSpec struct {
	Name        string
	Color       string
	Description string
}

// Labels returns a snapshot of the project's labels, ordered by name.
func (s *Server) Labels(projectID int) []Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	out := make([]Label, 0, len(p.labels))
	for _, l := range p.labels {
		out = append(out, s.labelView(p, l, true))
	}
	return out
}

// AddLabel seeds a label on a project.
func (s *Server) AddLabel(projectID int, spec LabelSpec) Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	return *s.addLabel(p, spec)
}

func (s *Server) addLabel(p *projectState, spec LabelSpec) *Label {
	if l := p.label(spec.Name); l != nil {
		return l
	}
	if spec.Color == "" {
		spec.Color = defaultLabelColor
	}
	l := &Label{
		ID: s.ids.next(&s.ids.label), Name: spec.Name, Color: spec.Color,
		TextColor: textColor(spec.Color), Description: spec.Description,
		DescriptionHTML: spec.Description, IsProjectLabel: true,
	}
	p.labels = append(p.labels, l)
	slices.SortFunc(p.labels, func(a, b *Label) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return l
}

// label finds a label by exact name; GitLab label titles are case-sensitive.
func (p *projectState) label(name string) *Label {
	for _, l := range p.labels {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func (p *projectState) labelByIDOrName(key string) *Label {
	if id, err := strconv.Atoi(key); err == nil {
		for _, l := range p.labels {
			if l.ID == id {
				return l
			}
		}
	}
	return p.label(key)
}

func (s *Server) labelView(p *projectState, l *Label, counts bool) Label {
	v := *l
	if !counts {
		return v
	}
	for _, i := range p.issues {
		if slices.Contains(i.Labels, l.Name) {
			if i.State == "opened" {
				v.OpenIssuesCount++
			} else {
				v.ClosedIssuesCount++
			}
		}
	}
	for _, m := range p.mrs {
		if m.State == "opened" && slices.Contains(m.Labels, l.Name) {
			v.OpenMergeRequestsCount++
		}
	}
	return v
}

var hexColor = regexp.MustCompile(`^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)

// cssColors is the handful of named colors GitLab's color validator accepts
// that people actually use; any #RGB or #RRGGBB value is accepted too.
var cssColors = map[string]bool{
	"red": true, "green": true, "blue": true, "yellow": true, "orange": true, "purple": true,
	"black": true, "white": true, "gray": true, "grey": true, "pink": true, "brown": true,
}

func validColor(c string) bool { return hexColor.MatchString(c) || cssColors[strings.ToLower(c)] }

// textColor picks light or dark text for a label background by luminance, as GitLab does.
func textColor(bg string) string {
	if !hexColor.MatchString(bg) {
		return "#FFFFFF"
	}
	h := bg[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	r, _ := strconv.ParseUint(h[0:2], 16, 8)
	g, _ := strconv.ParseUint(h[2:4], 16, 8)
	b, _ := strconv.ParseUint(h[4:6], 16, 8)
	if float64(r)*0.299+float64(g)*0.587+float64(b)*0.114 > 186 {
		return "#1F1E24"
	}
	return "#FFFFFF"
}

func (s *Server) labelRoutes() {
	s.route("GET /projects/:id/labels", s.listLabels)
	s.route("GET /projects/:id/labels/:label_id", s.getLabel)
	s.route("POST /projects/:id/labels", s.createLabel)
	s.route("PUT /projects/:id/labels/:label_id", func(r *request) { s.updateLabel(r, r.r.PathValue("label_id")) })
	s.route("PUT /projects/:id/labels", func(r *request) {
		name, ok := r.params.str("name")
		if !ok {
			r.missing("name")
			return
		}
		s.updateLabel(r, name)
	})
	s.route("DELETE /projects/:id/labels/:label_id", s.deleteLabel)
}

func (s *Server) listLabels(r *request) {
	p, ok := r.project(Guest)
	if !ok {
		return
	}
	counts, _, _ := r.params.boolean("with_counts")
	q := strings.ToLower(r.params.get("search"))
	var out []Label
	for _, l := range p.labels {
		if q == "" || strings.Contains(strings.ToLower(l.Name), q) || strings.Contains(strings.ToLower(l.Description), q) {
			out = append(out, s.labelView(p, l, counts))
		}
	}
	r.json(http.StatusOK, paginate(r, nonNil(out)))
}

func (s *Server) getLabel(r *request) {
	p, ok := r.project(Guest)
	if !ok {
		return
	}
	l := p.labelByIDOrName(r.r.PathValue("label_id"))
	if l == nil {
		r.notFound("Label")
		return
	}
	r.json(http.StatusOK, s.labelView(p, l, true))
}

func (s *Server) createLabel(r *request) {
	p, ok := r.project(Reporter)
	if !ok {
		return
	}
	name, _ := r.params.str("name")
	color, _ := r.params.str("color")
	switch {
	case name == "":
		r.missing("name")
		return
	case color == "":
		r.missing("color")
		return
	case !validColor(color):
		r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"color": {"must be a valid color code"}}})
		return
	case p.label(name) != nil:
		r.fail(http.StatusConflict, "Label already exists")
		return
	}
	l := s.addLabel(p, LabelSpec{Name: name, Color: color, Description: r.params.get("description")})
	r.json(http.StatusCreated, s.labelView(p, l, true))
}

func (s *Server) updateLabel(r *request, key string) {
	p, ok := r.project(Reporter)
	if !ok {
		return
	}
	l := p.labelByIDOrName(key)
	if l == nil {
		r.notFound("Label")
		return
	}
	if !r.params.has("new_name") && !r.params.has("color") && !r.params.has("description") && !r.params.has("priority") {
		r.json(http.StatusBadRequest, map[string]string{"error": "new_name, color, description, priority, archived are missing, at least one parameter must be provided"})
		return
	}
	if c, ok := r.params.str("color"); ok {
		if !validColor(c) {
			r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"color": {"must be a valid color code"}}})
			return
		}
		l.Color, l.TextColor = c, textColor(c)
	}
	if d, ok := r.params.str("description"); ok {
		l.Description, l.DescriptionHTML = d, d
	}
	if n, ok, err := r.params.integer("priority"); err != nil {
		r.invalid("priority")
		return
	} else if ok {
		l.Priority = &n
	}
	if nn, ok := r.params.str("new_name"); ok && nn != l.Name {
		if p.label(nn) != nil {
			r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"title": {"has already been taken"}}})
			return
		}
		for _, i := range p.issues {
			replaceLabel(i.Labels, l.Name, nn)
		}
		for _, m := range p.mrs {
			replaceLabel(m.Labels, l.Name, nn)
		}
		l.Name = nn
	}
	r.json(http.StatusOK, s.labelView(p, l, true))
}

func (s *Server) deleteLabel(r *request) {
	p, ok := r.project(Reporter)
	if !ok {
		return
	}
	l := p.labelByIDOrName(r.r.PathValue("label_id"))
	if l == nil {
		r.notFound("Label")
		return
	}
	p.labels = slices.DeleteFunc(p.labels, func(x *Label) bool { return x == l })
	for _, i := range p.issues {
		i.Labels = slices.DeleteFunc(i.Labels, func(n string) bool { return n == l.Name })
	}
	r.w.WriteHeader(http.StatusNoContent)
}

func replaceLabel(names []string, from, to string) {
	for k, n := range names {
		if n == from {
			names[k] = to
		}
	}
	slices.Sort(names)
}
