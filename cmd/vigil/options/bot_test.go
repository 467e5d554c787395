package options

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// loadBot parses args and layers file and environment as `vigil bot` does.
func loadBot(t *testing.T, env map[string]string, args ...string) (*Bot, *pflag.FlagSet, error) {
	t.Helper()
	b := DefaultBot()
	fs := pflag.NewFlagSet("bot", pflag.ContinueOnError)
	b.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return b, fs, b.Load(fs, func(k string) string { return env[k] })
}

// Defaults, then the file, then the environment, then flags.
func TestBotPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bot.yaml")
	os.WriteFile(file, []byte("listen: \":9000\"\ndata: /var/lib/vigil/file.db\nsweep_interval: 30m\njob_names: [scan]\nworkers: 7\n"), 0o600)
	env := map[string]string{
		"VIGIL_CONFIG": file, "VIGIL_DATA": "/env.db", "VIGIL_GITLAB_TOKEN": "glpat-secret",
		"VIGIL_WEBHOOK_SECRETS": "one, two", "VIGIL_MARKER_KEY": "marker-key-0123456789",
		"VIGIL_WEBHOOK_SCOPED_SECRETS": "payments/**=pay-secret", "VIGIL_TRACK_REFS": "release/*, v*",
		"VIGIL_SWEEP_INTERVAL": "10m",
	}
	b, fs, err := loadBot(t, env, "--sweep-interval=5m", "--gitlab-url=https://gitlab.example", "--workers", "3",
		"--auto-merge", "critical,high", "--disable", "pip")
	if err != nil {
		t.Fatal(err)
	}
	c := b.Config
	if c.Listen != ":9000" || c.Data != "/env.db" || c.SweepInterval != 5*time.Minute || c.GitLabURL != "https://gitlab.example" || c.Workers != 3 {
		t.Errorf("precedence wrong: listen %q data %q sweep %v url %q workers %d", c.Listen, c.Data, c.SweepInterval, c.GitLabURL, c.Workers)
	}
	if !slices.Equal(c.JobNames, []string{"scan"}) || !slices.Equal(c.WebhookSecrets, []string{"one", "two"}) || !slices.Equal(c.TrackRefs, []string{"release/*", "v*"}) {
		t.Errorf("lists: jobs %v secrets %v refs %v", c.JobNames, c.WebhookSecrets, c.TrackRefs)
	}
	if !slices.Equal(c.MergeRequests.AutoMerge, []findings.Severity{findings.Critical, findings.High}) || !slices.Equal(c.MergeRequests.Disabled, []string{"pip"}) {
		t.Errorf("merge-request flags after the file: %+v", c.MergeRequests)
	}
	if c.MergeRequests.BotLabel != mr.Defaults().BotLabel {
		t.Errorf("bot label %q", c.MergeRequests.BotLabel)
	}
	if c.GitLabToken != "glpat-secret" || c.Validate() != nil {
		t.Errorf("token %q, validate %v", c.GitLabToken, c.Validate())
	}
	// Every knob has help text, and no default shows a secret.
	fs.VisitAll(func(f *pflag.Flag) {
		if len(f.Usage) < 20 {
			t.Errorf("flag --%s has no real help: %q", f.Name, f.Usage)
		}
	})
	if u := fs.FlagUsages(); strings.Contains(u, "glpat-secret") || strings.Contains(u, "marker-key-0123") || strings.Contains(u, "pay-secret") {
		t.Errorf("--help shows a secret taken from the environment:\n%s", u)
	}
}

// A setting misspelt, or a secret, in the file is refused, not ignored.
func TestBotConfigFileRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":         "listen: x\nwebhook_secret: nope\n",
		"token in file":       "gitlab_token: glpat-x\n",
		"bad duration":        "sweep_interval: soon\n",
		"not yaml":            "listen: [",
		"secrets not in file": "webhook_secrets: [a]\n",
		"removed setting":     "any_job: true\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "bot.yaml")
			os.WriteFile(file, []byte(doc), 0o600)
			if _, _, err := loadBot(t, nil, "--config", file); err == nil {
				t.Errorf("accepted %q", doc)
			}
		})
	}
	if _, _, err := loadBot(t, map[string]string{"VIGIL_SWEEP_INTERVAL": "soon"}); err == nil || !strings.Contains(err.Error(), "VIGIL_SWEEP_INTERVAL") {
		t.Errorf("a bad duration in the environment: %v", err)
	}
}

// VIGIL_DATABASE_URL moves the bot to PostgreSQL; it may carry a password,
// so the file cannot set it and --help never shows it; a URL that is not
// postgres:// is refused by name.
func TestBotDatabaseURL(t *testing.T) {
	env := map[string]string{
		"VIGIL_GITLAB_TOKEN": "t", "VIGIL_WEBHOOK_SECRET": "s", "VIGIL_MARKER_KEY": "marker-key-0123456789",
		"VIGIL_DATABASE_URL": "postgres://vigil:pg-s3cret@db:5432/vigil",
	}
	b, fs, err := loadBot(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if b.Config.Database != env["VIGIL_DATABASE_URL"] || b.Config.Validate() != nil {
		t.Errorf("database %q, validate %v", b.Config.Database, b.Config.Validate())
	}
	if strings.Contains(fs.FlagUsages(), "pg-s3cret") || strings.Contains(b.Config.Where(), "pg-s3cret") {
		t.Errorf("the database password shows in --help or in logs: %s", b.Config.Where())
	}
	b, _, _ = loadBot(t, env, "--database", "mysql://db/vigil")
	if err := b.Config.Validate(); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("a mysql URL: %v", err)
	}
	file := filepath.Join(t.TempDir(), "bot.yaml")
	os.WriteFile(file, []byte("database: postgres://vigil:x@db/vigil\n"), 0o600)
	if _, _, err := loadBot(t, map[string]string{"VIGIL_CONFIG": file}); err == nil {
		t.Error("a database URL in the config file was accepted")
	}
}
