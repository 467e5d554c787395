package options

import (
	"time"

	"github.com/spf13/pflag"
)

// Monitor configures continuous monitoring in the bot.
type Monitor struct {
	// Interval is how often the DB is checked for a new build; 0 turns
	// monitoring off.
	Interval time.Duration
	// Builds is where each DB build matched against is kept, so the next
	// build can be diffed with it.
	Builds string
}

// DefaultMonitor is Monitor before environment and flags: off.
func DefaultMonitor() Monitor { return Monitor{} }

var monitorEnv = []EnvBinding{
	{"monitor-interval", []string{"VIGIL_MONITOR_INTERVAL"}},
	{"monitor-builds", []string{"VIGIL_MONITOR_BUILDS"}},
}

// Env lists the environment variables that stand in for Monitor's flags.
func (m *Monitor) Env() []EnvBinding { return monitorEnv }

// AddFlags registers Monitor's flags.
func (m *Monitor) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&m.Interval, "monitor-interval", m.Interval, envHelp("check the vulnerability DB (--db, or grype's online listing) for a new build this often and match the stored SBOMs it affects again; 0 turns continuous monitoring off", "VIGIL_MONITOR_INTERVAL"))
	fs.StringVar(&m.Builds, "monitor-builds", m.Builds, envHelp("directory keeping the DB builds monitoring matched against (default: beside --data)", "VIGIL_MONITOR_BUILDS"))
}

// MonitorPass is `vigil monitor`: one pass by hand, without the bot.
type MonitorPass struct {
	SBOMs   string // directory of SBOM documents (vigil sbom/scan output: syft JSON, CycloneDX, SPDX)
	State   string // directory keeping the last build and each SBOM's keys and findings between passes
	Project string // project path the findings' fingerprints are computed for
}

var monitorPassEnv = []EnvBinding{
	{"sboms", []string{"VIGIL_MONITOR_SBOMS"}},
	{"state", []string{"VIGIL_MONITOR_STATE"}},
	{"project", []string{"CI_PROJECT_PATH"}},
}

// Env lists the environment variables that stand in for MonitorPass's flags.
func (m *MonitorPass) Env() []EnvBinding { return monitorPassEnv }

// AddFlags registers MonitorPass's flags.
func (m *MonitorPass) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&m.SBOMs, "sboms", m.SBOMs, envHelp("directory of the SBOMs to monitor (syft JSON, CycloneDX or SPDX, e.g. from vigil sbom)", "VIGIL_MONITOR_SBOMS"))
	fs.StringVar(&m.State, "state", m.State, envHelp("directory where the pass keeps the DB build and each SBOM's findings for the next pass (cache it between CI jobs)", "VIGIL_MONITOR_STATE"))
	fs.StringVar(&m.Project, "project", m.Project, envHelp("project path of the findings' fingerprints", "CI_PROJECT_PATH"))
}
