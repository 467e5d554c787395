package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Config holds every knob of the bot. Values come from defaults, then a
// YAML file (LoadConfig), then VIGIL_* environment variables, then flags.
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
	MarkerKey        string        `yaml:"-"`
	Data             string        `yaml:"data"`
	PolicyFile       string        `yaml:"policy_file"`
	JobNames         []string      `yaml:"job_names"`
	AnyJob           bool          `yaml:"any_job"`
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
	// Patch opens merge requests for findings with a known fix, with the
	// merge-request policy in MergeRequests (flags only).
	Patch         bool       `yaml:"patch"`
	MergeRequests mr.Options `yaml:"-"`
	// InventoryFile is an inventory config (vigil inventory's); when set,
	// the bot lists its sources into the ledger every InventoryInterval.
	InventoryFile     string        `yaml:"inventory_file"`
	InventoryInterval time.Duration `yaml:"inventory_interval"`
	// APIToken is the bearer token of GET /api/assets (VIGIL_API_TOKEN
	// only); without one the API is not served.
	APIToken string `yaml:"-"`
}

// DefaultConfig is the configuration before any file, environment or flag.
func DefaultConfig() *Config {
	return &Config{
		Listen:            ":8080",
		GitLabURL:         "https://gitlab.com",
		Data:              "vigil-bot.db",
		JobNames:          []string{"vigil-scan", "vigil", "container_scanning", "dependency_scanning", "gemnasium-dependency_scanning"},
		Artifacts:         append([]string(nil), ingest.DefaultArtifacts...),
		MaxBodyBytes:      25 << 20,
		MaxArtifactBytes:  findings.MaxReportBytes,
		Workers:           4,
		MaxAttempts:       10,
		SweepInterval:     time.Hour,
		InventoryInterval: time.Hour,
		PollInterval:      time.Second,
		ShutdownTimeout:   30 * time.Second,
		JobTimeout:        time.Hour,
		JobBudget:         5 * time.Minute,
		DeliveryRetention: ledger.DefaultDeliveryRetention,
		LogLevel:          "info",
		Patch:             true,
		MergeRequests:     mr.Defaults(),
	}
}

// LoadConfig returns the defaults overlaid by the YAML file at path (none
// when path is empty) and then by the environment. Tokens and secrets are
// not read from the file: they belong in the environment.
func LoadConfig(path string) (*Config, error) {
	c := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read bot config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parse bot config %s: %w", path, err)
		}
	}
	if err := c.applyEnv(os.LookupEnv); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) applyEnv(lookup func(string) (string, bool)) error {
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = v
		}
	}
	list := func(name string, dst *[]string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = splitList(v)
		}
	}
	str("VIGIL_LISTEN", &c.Listen)
	str("VIGIL_GITLAB_URL", &c.GitLabURL)
	str("VIGIL_GITLAB_TOKEN", &c.GitLabToken)
	str("VIGIL_MARKER_KEY", &c.MarkerKey)
	list("VIGIL_WEBHOOK_SCOPED_SECRETS", &c.ScopedWebhookSecrets)
	str("VIGIL_DATA", &c.Data)
	str("VIGIL_POLICY", &c.PolicyFile)
	str("VIGIL_INVENTORY", &c.InventoryFile)
	str("VIGIL_API_TOKEN", &c.APIToken)
	str("VIGIL_LOG_LEVEL", &c.LogLevel)
	list("VIGIL_JOB_NAMES", &c.JobNames)
	list("VIGIL_ARTIFACTS", &c.Artifacts)
	var secrets []string
	if v, ok := lookup("VIGIL_WEBHOOK_SECRET"); ok && v != "" {
		secrets = append(secrets, v)
	}
	if v, ok := lookup("VIGIL_WEBHOOK_SECRETS"); ok && v != "" {
		secrets = append(secrets, splitList(v)...)
	}
	if len(secrets) > 0 {
		c.WebhookSecrets = secrets
	}
	for name, dst := range map[string]*time.Duration{"VIGIL_SWEEP_INTERVAL": &c.SweepInterval, "VIGIL_SHUTDOWN_TIMEOUT": &c.ShutdownTimeout,
		"VIGIL_JOB_TIMEOUT": &c.JobTimeout, "VIGIL_JOB_BUDGET": &c.JobBudget, "VIGIL_DELIVERY_RETENTION": &c.DeliveryRetention,
		"VIGIL_INVENTORY_INTERVAL": &c.InventoryInterval} {
		if v, ok := lookup(name); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = d
		}
	}
	for name, dst := range map[string]*int64{"VIGIL_MAX_BODY_BYTES": &c.MaxBodyBytes, "VIGIL_MAX_ARTIFACT_BYTES": &c.MaxArtifactBytes} {
		if v, ok := lookup(name); ok && v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*bool{"VIGIL_ANY_JOB": &c.AnyJob, "VIGIL_PATCH": &c.Patch} {
		if v, ok := lookup(name); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = b
		}
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// AddFlags binds every knob to a flag whose default is the current value.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address the webhook and metrics server listens on (VIGIL_LISTEN); empty serves no HTTP")
	fs.StringVar(&c.GitLabURL, "gitlab-url", c.GitLabURL, "base URL of the GitLab instance (VIGIL_GITLAB_URL)")
	fs.StringVar(&c.GitLabToken, "gitlab-token", c.GitLabToken, "GitLab token with api scope the bot acts as; prefer VIGIL_GITLAB_TOKEN, flags show in process lists")
	fs.StringSliceVar(&c.WebhookSecrets, "webhook-secret", c.WebhookSecrets, "accepted X-Gitlab-Token secret; repeat to rotate (VIGIL_WEBHOOK_SECRET, or comma-separated VIGIL_WEBHOOK_SECRETS)")
	fs.StringSliceVar(&c.ScopedWebhookSecrets, "webhook-scoped-secret", c.ScopedWebhookSecrets, "GLOB=SECRET: a secret accepted only for projects whose path matches GLOB (group/** is everything below group); repeat for each (comma-separated VIGIL_WEBHOOK_SCOPED_SECRETS)")
	fs.StringVar(&c.MarkerKey, "marker-key", c.MarkerKey, "secret (16+ characters) that keys the MAC of the hidden markers in the bot's issues and notes; prefer VIGIL_MARKER_KEY")
	fs.StringVar(&c.Data, "data", c.Data, "SQLite file holding the job queue and the ledger of findings and issues; the webhook inbox is a second file beside it, NAME.inbox.db (VIGIL_DATA)")
	fs.StringVar(&c.PolicyFile, "policy", c.PolicyFile, "YAML SLA policy: labels, day counts, near-breach window, clock start, grouping, per-project overrides (VIGIL_POLICY); empty uses the defaults")
	fs.StringSliceVar(&c.JobNames, "job-name", c.JobNames, "CI job names whose artifacts hold scan reports (VIGIL_JOB_NAMES)")
	fs.BoolVar(&c.AnyJob, "any-job", c.AnyJob, "look for scan reports in the artifacts of every successful job, not only the named ones (VIGIL_ANY_JOB)")
	fs.StringSliceVar(&c.Artifacts, "artifact", c.Artifacts, "artifact files read as scan reports (VIGIL_ARTIFACTS)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest webhook body accepted; larger ones get 413 (VIGIL_MAX_BODY_BYTES)")
	fs.Int64Var(&c.MaxArtifactBytes, "max-artifact-bytes", c.MaxArtifactBytes, "largest report artifact read; larger ones are rejected (VIGIL_MAX_ARTIFACT_BYTES)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "jobs worked at once; work for one project is always serialized")
	fs.IntVar(&c.MaxAttempts, "max-attempts", c.MaxAttempts, "attempts per job before it is given up, with growing backoff between them")
	fs.DurationVar(&c.SweepInterval, "sweep-interval", c.SweepInterval, "how often the SLA sweep applies Near Breach and Breached labels (VIGIL_SWEEP_INTERVAL); 0 disables it")
	fs.DurationVar(&c.PollInterval, "poll-interval", c.PollInterval, "how often workers look for new jobs")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long to let running jobs finish on shutdown (VIGIL_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&c.JobTimeout, "job-timeout", c.JobTimeout, "longest one job may run, however large its report (VIGIL_JOB_TIMEOUT)")
	fs.DurationVar(&c.JobBudget, "job-budget", c.JobBudget, "time a delivery starts with; each issue group it reconciles adds a second, up to --job-timeout (VIGIL_JOB_BUDGET)")
	fs.DurationVar(&c.DeliveryRetention, "delivery-retention", c.DeliveryRetention, "how long processed webhook bodies are kept in the ledger; their keys stay for deduplication (VIGIL_DELIVERY_RETENTION); 0 keeps them forever")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (VIGIL_LOG_LEVEL)")
	fs.BoolVar(&c.Patch, "patch", c.Patch, "open merge requests that fix findings with a known fix (VIGIL_PATCH); the flags below shape them")
	c.MergeRequests.AddFlags(fs)
	fs.StringVar(&c.InventoryFile, "inventory", c.InventoryFile, "inventory config (as for vigil inventory): list its registries and clusters into the ledger periodically (VIGIL_INVENTORY)")
	fs.DurationVar(&c.InventoryInterval, "inventory-interval", c.InventoryInterval, "how often the inventory runs (VIGIL_INVENTORY_INTERVAL); 0 disables it")
	// --help prints defaults; values taken from the environment must not show.
	if f := fs.Lookup("gitlab-token"); f != nil {
		f.DefValue = ""
	}
	for _, name := range []string{"webhook-secret", "webhook-scoped-secret"} {
		if f := fs.Lookup(name); f != nil {
			f.DefValue = "[]"
		}
	}
	if f := fs.Lookup("marker-key"); f != nil {
		f.DefValue = ""
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
	case c.Data == "":
		return errors.New("no data file: set --data or VIGIL_DATA")
	case c.MaxBodyBytes <= 0 || c.MaxArtifactBytes <= 0:
		return errors.New("size limits must be positive")
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
