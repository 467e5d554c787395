package bot

import (
	"errors"
	"fmt"
	"time"
)

// Read-out periods.
const (
	ReadoutMonthly = "monthly"
	ReadoutWeekly  = "weekly"
)

// ReadoutConfig is the dashboard's access and the schedule of the read-out
// issue (dashboard.go, readoutissue.go); its yaml keys sit flat among the
// bot's.
type ReadoutConfig struct {
	// DashboardToken is the read token GET /dashboard requires, as a bearer
	// header or through its sign-in page (from the environment only).
	// Empty leaves the dashboard off.
	DashboardToken string `yaml:"-"`
	// DashboardOAuthID and DashboardOAuthSecret are a GitLab OAuth
	// application's (scope read_user, callback
	// https://<bot>/dashboard/oauth/callback): with them the sign-in page
	// offers "Sign in with GitLab" to members of DashboardProject.
	DashboardOAuthID     string `yaml:"dashboard_oauth_client_id"`
	DashboardOAuthSecret string `yaml:"-"`
	// DashboardProject is the project (path or id) whose members with the
	// Reporter role or more may sign in with GitLab; empty means
	// ReadoutProject.
	DashboardProject string `yaml:"dashboard_project"`
	// ReadoutProject is the VM team's project (path or id) where the bot
	// posts each period's read-out issue; empty posts none.
	ReadoutProject string `yaml:"readout_project"`
	// ReadoutPeriod is monthly or weekly.
	ReadoutPeriod string `yaml:"readout_period"`
	// ReadoutDay is when a period's read-out is posted: the day of the
	// month (1-28) after a monthly period, the weekday (1 Monday … 7
	// Sunday) after a weekly one.
	ReadoutDay int `yaml:"readout_day"`
	// ReadoutCheckInterval is how often the bot looks for a due read-out.
	ReadoutCheckInterval time.Duration `yaml:"readout_check_interval"`
}

func defaultReadoutConfig() ReadoutConfig {
	return ReadoutConfig{ReadoutPeriod: ReadoutMonthly, ReadoutDay: 1, ReadoutCheckInterval: time.Hour}
}

func (c *ReadoutConfig) validate() error {
	if c.DashboardOAuthID != "" && (c.DashboardOAuthSecret == "" || c.dashboardProject() == "") {
		return errors.New("GitLab sign-in to the dashboard needs the application's secret (VIGIL_DASHBOARD_OAUTH_SECRET) and the project whose members may sign in (--dashboard-project)")
	}
	if c.ReadoutProject == "" {
		return nil
	}
	switch c.ReadoutPeriod {
	case ReadoutMonthly:
		if c.ReadoutDay < 1 || c.ReadoutDay > 28 {
			return fmt.Errorf("readout day %d: a monthly read-out is posted on day 1 to 28 of the month", c.ReadoutDay)
		}
	case ReadoutWeekly:
		if c.ReadoutDay < 1 || c.ReadoutDay > 7 {
			return fmt.Errorf("readout day %d: a weekly read-out is posted on weekday 1 (Monday) to 7 (Sunday)", c.ReadoutDay)
		}
	default:
		return fmt.Errorf("readout period %q: want monthly or weekly", c.ReadoutPeriod)
	}
	if c.ReadoutCheckInterval <= 0 {
		return errors.New("readout check interval must be positive when a readout project is set")
	}
	return nil
}

// dashboardProject is the project whose members may sign in with GitLab.
func (c *ReadoutConfig) dashboardProject() string {
	if c.DashboardProject != "" {
		return c.DashboardProject
	}
	return c.ReadoutProject
}
