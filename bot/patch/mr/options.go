package mr

import (
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Options are the per-project merge request policies.
type Options struct {
	// BotLabel marks vigil's merge requests; "security" is always added.
	BotLabel string
	// MaxOpen caps vigil's open merge requests per project; highest severity first.
	MaxOpen int
	// MinSeverity ignores findings below it.
	MinSeverity findings.Severity
	// AutoMerge lists the severities whose patch-level bumps are set to
	// merge when the pipeline succeeds.
	AutoMerge []findings.Severity
	// Disabled lists ecosystems that get no merge requests.
	Disabled []string
	// AuthorName and AuthorEmail sign the commits; the token's user when empty.
	AuthorName, AuthorEmail string
	// DryRun plans the fixes and reads or writes nothing in GitLab.
	DryRun bool
	// Retry governs repeated branch, commit, note and merge request writes.
	Retry Retry
	// Recheck is how long an unchanged project is taken at GitLab's word
	// (one merge request list) before its patchers run again, to see what
	// only they can (a new base image tag); 24h when zero.
	Recheck time.Duration
}

// Defaults: at most 10 open merge requests, label "vigil", every severity,
// no auto-merge.
func Defaults() Options { return Options{BotLabel: "vigil", MaxOpen: 10} }

func (o Options) withDefaults() Options {
	d := Defaults()
	if o.BotLabel == "" {
		o.BotLabel = d.BotLabel
	}
	if o.MaxOpen <= 0 {
		o.MaxOpen = d.MaxOpen
	}
	if o.Recheck <= 0 {
		o.Recheck = 24 * time.Hour
	}
	return o
}

func (o Options) labels() []string {
	if o.BotLabel == "security" {
		return []string{"security"}
	}
	return []string{"security", o.BotLabel}
}

func (o Options) autoMerges(s findings.Severity) bool { return slices.Contains(o.AutoMerge, s) }
