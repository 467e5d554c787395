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
