package bot

import (
	"net/url"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// issueSearch builds the GitLab searches that list the issues behind a
// number on the dashboard: the bot's labels, narrowed to the filtered
// group or project and severity. A tier is no GitLab label, so links made
// under a tier filter list every tier's issues.
type issueSearch struct {
	base     string // GitLab's URL
	group    string
	project  string
	severity string // severity class: critical … low; "" for all
	labels   sla.Labels
	mrLabel  string
}

// where is the issue or merge request list of the filtered scope: a
// project's, a group's (with its subgroups), or the instance-wide list of
// the signed-in user's projects.
func (q issueSearch) where(kind string) string {
	switch {
	case q.project != "":
		return q.base + "/" + escapePath(q.project) + "/-/" + kind
	case q.group != "":
		return q.base + "/groups/" + escapePath(q.group) + "/-/" + kind
	}
	return q.base + "/dashboard/" + kind
}

// issues lists the bot's issues in state (opened, closed, all) carrying
// extra labels besides the scope's.
func (q issueSearch) issues(state string, extra ...string) string {
	v := url.Values{"state": {state}}
	labels := append([]string(nil), q.labels.Always...)
	if q.severity != "" {
		labels = append(labels, q.labels.Severity[q.severity])
	}
	for _, l := range append(labels, extra...) {
		if l != "" {
			v.Add("label_name[]", l)
		}
	}
	return q.where("issues") + "?" + v.Encode()
}

// created lists the bot's issues opened in [since, until).
func (q issueSearch) created(since, until time.Time) string {
	u := q.issues("all")
	v := url.Values{"created_after": {since.Format(time.DateOnly)}, "created_before": {until.Format(time.DateOnly)}}
	return u + "&" + v.Encode()
}

// severityClass narrows the search to one severity class.
func (q issueSearch) severityClass(class string) issueSearch { q.severity = class; return q }

// in narrows the search to a group or project path.
func (q issueSearch) in(path string, isProject bool) issueSearch {
	if isProject {
		q.project = path
	} else {
		q.group, q.project = path, ""
	}
	return q
}

// mergeRequests lists vigil's patch merge requests in state.
func (q issueSearch) mergeRequests(state string) string {
	v := url.Values{"state": {state}}
	if q.mrLabel != "" {
		v.Add("label_name[]", q.mrLabel)
	}
	return q.where("merge_requests") + "?" + v.Encode()
}

// escapePath escapes each segment of a GitLab path, keeping the slashes.
func escapePath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
