package options

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/ci/gate"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// DefaultAllowlist is read from the working directory when present, as
// GitLab's container scanning does.
const DefaultAllowlist = "vulnerability-allowlist.yml"

// Gate says which findings fail the job and which are suppressed.
type Gate struct {
	FailOn        string
	IgnoreUnfixed bool
	Allowlist     string
	VEX           []string
}

// DefaultGate is Gate before environment and flags: no gate.
func DefaultGate() Gate { return Gate{FailOn: "none"} }

// CS_SEVERITY_THRESHOLD is deliberately not here: in GitLab it filters the
// report and never fails a job (see Output.Threshold).
var gateEnv = []EnvBinding{{"ignore-unfixed", []string{"CS_IGNORE_UNFIXED"}}}

// Env lists the environment variables that stand in for Gate's flags.
func (g *Gate) Env() []EnvBinding { return gateEnv }

// AddFlags registers Gate's flags.
func (g *Gate) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&g.FailOn, "fail-on", g.FailOn, "exit 1 when a finding at or above this severity remains: critical, high, medium, low, negligible, unknown, or none")
	fs.BoolVar(&g.IgnoreUnfixed, "ignore-unfixed", g.IgnoreUnfixed, envHelp("suppress findings that have no fix", "CS_IGNORE_UNFIXED"))
	fs.StringVar(&g.Allowlist, "allowlist", g.Allowlist, "GitLab vulnerability-allowlist.yml (default: ./"+DefaultAllowlist+" when present)")
	fs.StringSliceVar(&g.VEX, "vex", g.VEX, "OpenVEX documents whose not_affected/fixed statements suppress findings")
}

// Load reads the allowlist and VEX documents into gate options.
func (g *Gate) Load() (gate.Options, error) {
	o := gate.Options{IgnoreUnfixed: g.IgnoreUnfixed}
	if g.FailOn != "" && !strings.EqualFold(g.FailOn, "none") {
		s, err := findings.ParseSeverity(g.FailOn)
		if err != nil {
			return o, fmt.Errorf("--fail-on: %w", err)
		}
		o.FailOn, o.FailOnSet = s, true
	}
	allowlist := g.Allowlist
	if allowlist == "" {
		if _, err := os.Stat(DefaultAllowlist); err == nil {
			allowlist = DefaultAllowlist
		}
	}
	if allowlist != "" {
		al, err := gate.LoadAllowlist(allowlist)
		if err != nil {
			return o, err
		}
		o.Allowlist = al
	}
	for _, p := range g.VEX {
		doc, err := gate.LoadVEX(p)
		if err != nil {
			return o, err
		}
		o.VEX = append(o.VEX, doc)
	}
	return o, nil
}
