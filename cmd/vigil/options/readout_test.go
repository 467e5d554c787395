package options

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The read-out schedule comes from the file, the environment or flags;
// the dashboard token never from the file.
func TestBotReadoutSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yaml")
	os.WriteFile(file, []byte("readout_project: vm/readouts\nreadout_period: weekly\nreadout_check_interval: 10m\n"), 0o600)
	env := map[string]string{"VIGIL_CONFIG": file, "VIGIL_DASHBOARD_TOKEN": "dash-secret", "VIGIL_READOUT_DAY": "3"}
	b, _, err := loadBot(t, env)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Config
	if c.ReadoutProject != "vm/readouts" || c.ReadoutPeriod != "weekly" || c.ReadoutDay != 3 || c.ReadoutCheckInterval != 10*time.Minute || c.DashboardToken != "dash-secret" {
		t.Errorf("readout settings: %+v", c.ReadoutConfig)
	}
	bad := filepath.Join(dir, "secret.yaml")
	os.WriteFile(bad, []byte("dashboard_token: in-a-file\n"), 0o600)
	if _, _, err := loadBot(t, map[string]string{"VIGIL_CONFIG": bad}); err == nil || !strings.Contains(err.Error(), "dashboard_token") {
		t.Errorf("a file naming the dashboard token: %v, want it refused", err)
	}
	b, _, _ = loadBot(t, map[string]string{"VIGIL_GITLAB_TOKEN": "t", "VIGIL_WEBHOOK_SECRET": "s", "VIGIL_MARKER_KEY": "marker-key-0123456789"},
		"--readout-project=vm/readouts", "--readout-day=31")
	if err := b.Config.Validate(); err == nil || !strings.Contains(err.Error(), "day 1 to 28") {
		t.Errorf("monthly day 31: %v, want refused", err)
	}
}
