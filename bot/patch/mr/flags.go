package mr

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// The flags stay beside the options while bot.Config registers them
// (bot/config.go); `vigil patch` adds its own in cmd/vigil.

// AddFlags registers the options as command-line flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	d := Defaults()
	if o.BotLabel == "" {
		o.BotLabel = d.BotLabel
	}
	if o.MaxOpen == 0 {
		o.MaxOpen = d.MaxOpen
	}
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

type severityList []findings.Severity

func (v *severityList) String() string {
	var names []string
	for _, s := range *v {
		names = append(names, s.String())
	}
	return strings.Join(names, ",")
}
func (v *severityList) Type() string { return "severities" }
func (v *severityList) Set(s string) error {
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
