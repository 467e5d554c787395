package options

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// AddMergeRequestFlags registers the patch merge-request policy, shared by
// `vigil bot` and `vigil patch`, onto o.
func AddMergeRequestFlags(fs *pflag.FlagSet, o *mr.Options) {
	fs.StringVar(&o.BotLabel, "bot-label", o.BotLabel, "label on every vigil merge request (besides \"security\")")
	fs.IntVar(&o.MaxOpen, "max-open", o.MaxOpen, "most vigil merge requests open at once in a project; highest severity first")
	fs.Var((*severityValue)(&o.MinSeverity), "min-severity", "ignore findings below this severity (critical, high, medium, low, negligible, unknown)")
	fs.Var((*severityList)(&o.AutoMerge), "auto-merge", "severities whose patch-level bumps merge when the pipeline succeeds (comma-separated)")
	fs.StringSliceVar(&o.Disabled, "disable", o.Disabled, "ecosystems to leave alone: gotoolchain, gomod, dockerfile, npm, pip")
	fs.StringVar(&o.AuthorName, "author-name", o.AuthorName, "commit author name (default: the token's user)")
	fs.StringVar(&o.AuthorEmail, "author-email", o.AuthorEmail, "commit author email (default: the token's user)")
}

type severityValue findings.Severity

func (v *severityValue) String() string { return findings.Severity(*v).String() }
func (v *severityValue) Type() string   { return "severity" }
func (v *severityValue) Set(s string) error {
	sev, err := findings.ParseSeverity(s)
	if err != nil {
		return err
	}
	*v = severityValue(sev)
	return nil
}

// severityList is a pflag.SliceValue, so that layering can put back what
// the user gave after a config file was read.
type severityList []findings.Severity

var _ pflag.SliceValue = (*severityList)(nil)

func (v *severityList) String() string { return strings.Join(v.GetSlice(), ",") }
func (v *severityList) Type() string   { return "severities" }

func (v *severityList) Set(s string) error { return v.Append(s) }

func (v *severityList) Append(s string) error {
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		sev, err := findings.ParseSeverity(part)
		if err != nil {
			return fmt.Errorf("auto-merge: %w", err)
		}
		*v = append(*v, sev)
	}
	return nil
}

func (v *severityList) Replace(vals []string) error {
	*v = nil
	for _, s := range vals {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}

func (v *severityList) GetSlice() []string {
	var names []string
	for _, s := range *v {
		names = append(names, s.String())
	}
	return names
}
