package bot

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// Config holds every knob of the bot, as plain values: the command line
// (cmd/vigil/options) layers defaults, a YAML file, the environment and
// flags onto it; the yaml names are the file's keys.
type Config struct {
	Listen         string   `yaml:"listen"`
	GitLabURL      string   `yaml:"gitlab_url"`
	GitLabToken    string   `yaml:"-"` // from the environment or a flag only, never a file
	WebhookSecrets []string `yaml:"-"`
	// ScopedWebhookSecrets are "GLOB=SECRET" pairs: secrets valid only for
	// projects whose path matches GLOB.
	ScopedWebhookSecrets []string `yaml:"-"`
	// MarkerKey keys the MAC of the hidden markers in the bot's issues and
	// notes, so no one can forge them from public facts. Required; changing
	// it makes issues written under the old key unrecoverable after a lost
	// ledger (they are then opened anew).
	MarkerKey string `yaml:"-"`
	// APIToken, when set, is the bearer token GET /api/ingests requires
	// (from the environment only).
	APIToken string `yaml:"-"`
	Data     string `yaml:"data"`
	// Database, when set, is a postgres:// URL: the ledger, the inbox and
	// the queue live there instead of Data, shared by any number of
	// replicas. It may carry a password, so it is never read from the file.
	Database   string `yaml:"-"`
	PolicyFile string `yaml:"policy_file"`
	// JobNames, when set, limits ingestion to jobs of these names; by
	// default a job is a scan when GitLab lists a security report among its
	// artifacts, whatever it is called.
	JobNames []string `yaml:"job_names"`
	// TrackRefs are branch and tag patterns (path.Match) whose pipelines
	// change issues besides the default branch's.
	TrackRefs        []string      `yaml:"track_refs"`
	Artifacts        []string      `yaml:"artifacts"`
	MaxBodyBytes     int64         `yaml:"max_body_bytes"`
	MaxArtifactBytes int64         `yaml:"max_artifact_bytes"`
	Workers          int           `yaml:"workers"`
	MaxAttempts      int           `yaml:"max_attempts"`
	SweepInterval    time.Duration `yaml:"sweep_interval"`
	PollInterval     time.Duration `yaml:"poll_interval"`
	ShutdownTimeout  time.Duration `yaml:"shutdown_timeout"`
	// JobTimeout is the ceiling of one job's run; a delivery starts with
	// JobBudget and its budget grows with the work it finds, within it.
	JobTimeout time.Duration `yaml:"job_timeout"`
	JobBudget  time.Duration `yaml:"job_budget"`
	// DeliveryRetention is how long processed delivery bodies are kept;
	// their keys stay for deduplication.
	DeliveryRetention time.Duration `yaml:"delivery_retention"`
	LogLevel          string        `yaml:"log_level"`
	// ReadoutMetrics shapes the read-out gauges on /metrics.
	ReadoutMetrics ReadoutMetrics `yaml:"readout_metrics"`
	// Patch opens merge requests for findings with a known fix, with the
	// merge-request policy in MergeRequests (not from the file).
	Patch         bool       `yaml:"patch"`
	MergeRequests mr.Options `yaml:"-"`
	// InventoryFile is an inventory config (vigil inventory's); when set,
	// the bot lists its sources into the ledger every InventoryInterval.
	InventoryFile     string        `yaml:"inventory_file"`
	InventoryInterval time.Duration `yaml:"inventory_interval"`
	// ReadoutConfig is the dashboard token and the read-out issue's schedule.
	ReadoutConfig `yaml:",inline"`
}

// DefaultConfig is the configuration before any file, environment or flag.
func DefaultConfig() *Config {
	return &Config{
		Listen:            ":8080",
		GitLabURL:         "https://gitlab.com",
		Data:              "vigil-bot.db",
		Artifacts:         append([]string(nil), ingest.DefaultArtifacts...),
		MaxBodyBytes:      25 << 20,
		MaxArtifactBytes:  findings.MaxReportBytes,
		Workers:           4,
		MaxAttempts:       10,
		SweepInterval:     time.Hour,
		ReadoutMetrics:    DefaultReadoutMetrics(),
		InventoryInterval: time.Hour,
		PollInterval:      time.Second,
		ShutdownTimeout:   30 * time.Second,
		JobTimeout:        time.Hour,
		JobBudget:         5 * time.Minute,
		DeliveryRetention: ledger.DefaultDeliveryRetention,
		LogLevel:          "info",
		Patch:             true,
		MergeRequests:     mr.Defaults(),
		ReadoutConfig:     defaultReadoutConfig(),
	}
}

// minMarkerKey is the shortest marker key accepted.
const minMarkerKey = 16

// Validate reports the first knob that cannot work. Its messages never
// hold a secret.
func (c *Config) Validate() error {
	if err := checkGitLabURL(c.GitLabURL); err != nil {
		return err
	}
	if _, err := c.scopedSecrets(); err != nil {
		return err
	}
	switch {
	case c.GitLabToken == "":
		return errors.New("no GitLab token: set VIGIL_GITLAB_TOKEN")
	case len(c.WebhookSecrets) == 0 && len(c.ScopedWebhookSecrets) == 0:
		return errors.New("no webhook secret: set VIGIL_WEBHOOK_SECRET or VIGIL_WEBHOOK_SCOPED_SECRETS (GitLab sends it as X-Gitlab-Token)")
	case len(c.MarkerKey) < minMarkerKey:
		return fmt.Errorf("no marker key: set VIGIL_MARKER_KEY to a random secret of at least %d characters (e.g. openssl rand -hex 32)", minMarkerKey)
	case c.Data == "" && c.Database == "":
		return errors.New("no data file: set --data or VIGIL_DATA (or --database / VIGIL_DATABASE_URL for PostgreSQL)")
	case c.Database != "" && !postgres.IsURL(c.Database):
		return errors.New("the database URL must start with postgres:// (e.g. postgres://vigil@db:5432/vigil); SQLite is --data")
	case c.MaxBodyBytes <= 0 || c.MaxArtifactBytes <= 0:
		return errors.New("size limits must be positive")
	case c.ReadoutMetrics.GroupDepth < 1 || c.ReadoutMetrics.Window <= 0 || c.ReadoutMetrics.Interval < 0:
		return errors.New("readout metrics: group depth must be at least 1 and the window positive (--metrics-group-depth, --metrics-window)")
	}
	if err := c.ReadoutConfig.validate(); err != nil {
		return err
	}
	for _, p := range c.TrackRefs {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("track ref pattern %q: %w", p, err)
		}
	}
	return nil
}

// checkGitLabURL refuses a GitLab URL that is not http(s) or that carries
// credentials: the URL is logged, the token belongs in VIGIL_GITLAB_TOKEN.
func checkGitLabURL(raw string) error {
	if raw == "" {
		return errors.New("no GitLab URL: set --gitlab-url or VIGIL_GITLAB_URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("the GitLab URL does not parse; set VIGIL_GITLAB_URL to https://host[/path]")
	}
	if u.User != nil {
		return errors.New("the GitLab URL carries credentials; remove them and set the token in VIGIL_GITLAB_TOKEN")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("the GitLab URL must be http(s)://host[/path]")
	}
	return nil
}

// scopedSecrets parses ScopedWebhookSecrets.
func (c *Config) scopedSecrets() ([]webhook.ScopedSecret, error) {
	var out []webhook.ScopedSecret
	for i, v := range c.ScopedWebhookSecrets {
		s, ok := webhook.ParseScopedSecret(v)
		if !ok {
			return nil, fmt.Errorf("scoped webhook secret #%d is not GLOB=SECRET", i+1)
		}
		out = append(out, s)
	}
	return out, nil
}
