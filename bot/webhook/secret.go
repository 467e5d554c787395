package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// ScopedSecret is a webhook secret valid only for projects whose full path
// matches Scope (a glob; "group/**" is everything below group), so the
// owner of one project's webhook cannot speak for another project.
type ScopedSecret struct {
	Scope  string
	Secret string
}

// ParseScopedSecret reads "SCOPE=SECRET"; the scope holds no "=".
func ParseScopedSecret(v string) (ScopedSecret, bool) {
	scope, sec, ok := strings.Cut(v, "=")
	scope, sec = strings.TrimSpace(scope), strings.TrimSpace(sec)
	return ScopedSecret{Scope: scope, Secret: sec}, ok && scope != "" && sec != ""
}

type secret struct {
	hash  [32]byte
	scope string // "" for every project
}

// grant is what a token allows: every project, or the scopes it matched.
type grant struct {
	all    bool
	scopes []string
}

func (g grant) ok() bool { return g.all || len(g.scopes) > 0 }

// authorize compares the token against every secret in constant time: the
// hashes have equal length and every secret is compared.
func (r *Receiver) authorize(token string) grant {
	var g grant
	if token == "" {
		return g
	}
	got := sha256.Sum256([]byte(token))
	for _, s := range r.secrets {
		if subtle.ConstantTimeCompare(got[:], s.hash[:]) == 1 {
			if s.scope == "" {
				g.all = true
			} else {
				g.scopes = append(g.scopes, s.scope)
			}
		}
	}
	return g
}

// scopeFields are the fields that say which project a payload is about,
// decoded the way the bot decodes payloads (encoding/json into structs:
// keys match case-insensitively, the last duplicate wins), so the receiver
// and the bot cannot read two different projects out of one body.
type scopeFields struct {
	ProjectID *int64 `json:"project_id"`
	Project   struct {
		ID   int64  `json:"id"`
		Path string `json:"path_with_namespace"`
	} `json:"project"`
	ObjectAttributes struct {
		ProjectID *int64 `json:"project_id"`
	} `json:"object_attributes"`
}

// covers reports whether a scoped grant covers the project a payload is
// about. Every project id the payload names must be the id of its project
// object, so a payload cannot name a project in scope and act on another;
// the bot then checks through the API that the id has that path.
func (g grant) covers(body []byte) bool {
	if g.all {
		return true
	}
	var f scopeFields
	if json.Unmarshal(body, &f) != nil || f.Project.ID == 0 || f.Project.Path == "" {
		return false
	}
	for _, id := range []*int64{f.ProjectID, f.ObjectAttributes.ProjectID} {
		if id != nil && *id != f.Project.ID {
			return false
		}
	}
	for _, scope := range g.scopes {
		if sla.Matches(scope, f.Project.Path) {
			return true
		}
	}
	return false
}
