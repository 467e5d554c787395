package options

import (
	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/bot"
)

// Bot is `vigil bot`'s settings: the bot's Config and the YAML file it may
// be read from. Secrets have no place in the file (their fields are
// `yaml:"-"`, so a file naming one is refused): they come from the
// environment, or flags.
type Bot struct {
	ConfigFile string
	Config     *bot.Config
}

// DefaultBot is Bot before the file, the environment and flags.
func DefaultBot() *Bot { return &Bot{Config: bot.DefaultConfig()} }

var configEnv = []EnvBinding{{"config", []string{"VIGIL_CONFIG"}}}

var botEnv = []EnvBinding{
	{"listen", []string{"VIGIL_LISTEN"}},
	{"gitlab-url", []string{"VIGIL_GITLAB_URL"}},
	{"gitlab-token", []string{"VIGIL_GITLAB_TOKEN"}},
	{"webhook-secret", []string{"VIGIL_WEBHOOK_SECRETS", "VIGIL_WEBHOOK_SECRET"}},
	{"webhook-scoped-secret", []string{"VIGIL_WEBHOOK_SCOPED_SECRETS"}},
	{"marker-key", []string{"VIGIL_MARKER_KEY"}},
	{"api-token", []string{"VIGIL_API_TOKEN"}},
	{"data", []string{"VIGIL_DATA"}},
	{"database", []string{"VIGIL_DATABASE_URL"}},
	{"policy", []string{"VIGIL_POLICY"}},
	{"job-name", []string{"VIGIL_JOB_NAMES"}},
	{"track-ref", []string{"VIGIL_TRACK_REFS"}},
	{"artifact", []string{"VIGIL_ARTIFACTS"}},
	{"max-body-bytes", []string{"VIGIL_MAX_BODY_BYTES"}},
	{"max-artifact-bytes", []string{"VIGIL_MAX_ARTIFACT_BYTES"}},
	{"sweep-interval", []string{"VIGIL_SWEEP_INTERVAL"}},
	{"shutdown-timeout", []string{"VIGIL_SHUTDOWN_TIMEOUT"}},
	{"job-timeout", []string{"VIGIL_JOB_TIMEOUT"}},
	{"job-budget", []string{"VIGIL_JOB_BUDGET"}},
	{"delivery-retention", []string{"VIGIL_DELIVERY_RETENTION"}},
	{"log-level", []string{"VIGIL_LOG_LEVEL"}},
	{"patch", []string{"VIGIL_PATCH"}},
	{"inventory", []string{"VIGIL_INVENTORY"}},
	{"inventory-interval", []string{"VIGIL_INVENTORY_INTERVAL"}},
	{"dashboard-token", []string{"VIGIL_DASHBOARD_TOKEN"}},
	{"dashboard-oauth-client-id", []string{"VIGIL_DASHBOARD_OAUTH_CLIENT_ID"}},
	{"dashboard-oauth-secret", []string{"VIGIL_DASHBOARD_OAUTH_SECRET"}},
	{"dashboard-project", []string{"VIGIL_DASHBOARD_PROJECT"}},
	{"readout-project", []string{"VIGIL_READOUT_PROJECT"}},
	{"readout-period", []string{"VIGIL_READOUT_PERIOD"}},
	{"readout-day", []string{"VIGIL_READOUT_DAY"}},
	{"readout-check-interval", []string{"VIGIL_READOUT_CHECK_INTERVAL"}},
}

// Env lists the environment variables that stand in for Bot's flags.
func (b *Bot) Env() []EnvBinding { return botEnv }

// AddFlags registers every knob of the bot, the merge-request policy
// included. Defaults shown by --help are the built-in ones: a value read
// from the environment is applied after parsing, so no secret shows there.
func (b *Bot) AddFlags(fs *pflag.FlagSet) {
	c := b.Config
	fs.StringVar(&b.ConfigFile, "config", b.ConfigFile, envHelp("YAML file with the bot's settings (keys as the flags, with _ for -: gitlab_url, sweep_interval, …)", "VIGIL_CONFIG"))
	fs.StringVar(&c.Listen, "listen", c.Listen, envHelp("address the webhook and metrics server listens on; empty serves no HTTP", "VIGIL_LISTEN"))
	fs.StringVar(&c.GitLabURL, "gitlab-url", c.GitLabURL, envHelp("base URL of the GitLab instance", "VIGIL_GITLAB_URL"))
	fs.StringVar(&c.GitLabToken, "gitlab-token", c.GitLabToken, envHelp("GitLab token with api scope the bot acts as; prefer the environment, flags show in process lists", "VIGIL_GITLAB_TOKEN"))
	fs.StringSliceVar(&c.WebhookSecrets, "webhook-secret", c.WebhookSecrets, envHelp("accepted X-Gitlab-Token secret; repeat (or comma-separate) to rotate", "VIGIL_WEBHOOK_SECRETS", "VIGIL_WEBHOOK_SECRET"))
	fs.StringSliceVar(&c.ScopedWebhookSecrets, "webhook-scoped-secret", c.ScopedWebhookSecrets, envHelp("GLOB=SECRET: a secret accepted only for projects whose path matches GLOB (group/** is everything below group); repeat for each", "VIGIL_WEBHOOK_SCOPED_SECRETS"))
	fs.StringVar(&c.MarkerKey, "marker-key", c.MarkerKey, envHelp("secret (16+ characters) that keys the MAC of the hidden markers in the bot's issues and notes; prefer the environment", "VIGIL_MARKER_KEY"))
	fs.StringVar(&c.APIToken, "api-token", c.APIToken, envHelp("bearer token GET /api/ingests and /api/assets require; empty leaves them open like /metrics", "VIGIL_API_TOKEN"))
	fs.StringVar(&c.Data, "data", c.Data, envHelp("SQLite file holding the job queue and the ledger of findings and issues; the webhook inbox is a second file beside it, NAME.inbox.db", "VIGIL_DATA"))
	fs.StringVar(&c.Database, "database", c.Database, envHelp("postgres://user:password@host:5432/db: keep the ledger, queue and inbox in PostgreSQL, shared by any number of replicas, instead of --data; prefer the environment, it may carry a password", "VIGIL_DATABASE_URL"))
	fs.StringVar(&c.PolicyFile, "policy", c.PolicyFile, envHelp("YAML SLA policy: labels, day counts, near-breach window, clock start, grouping, per-project overrides; empty uses the defaults", "VIGIL_POLICY"))
	fs.StringSliceVar(&c.JobNames, "job-name", c.JobNames, envHelp("only read jobs of these names; by default every job GitLab lists with a security report is a scan, whatever its name", "VIGIL_JOB_NAMES"))
	fs.StringSliceVar(&c.TrackRefs, "track-ref", c.TrackRefs, envHelp("branch or tag patterns (path.Match, e.g. release/*) whose pipelines change issues besides the default branch's", "VIGIL_TRACK_REFS"))
	fs.StringSliceVar(&c.Artifacts, "artifact", c.Artifacts, envHelp("plain artifact files looked for in every job with artifacts, besides the reports GitLab lists", "VIGIL_ARTIFACTS"))
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, envHelp("largest webhook body accepted; larger ones get 413", "VIGIL_MAX_BODY_BYTES"))
	fs.Int64Var(&c.MaxArtifactBytes, "max-artifact-bytes", c.MaxArtifactBytes, envHelp("largest report artifact read; larger ones are rejected", "VIGIL_MAX_ARTIFACT_BYTES"))
	fs.IntVar(&c.Workers, "workers", c.Workers, "jobs worked at once; work for one project is always serialized")
	fs.IntVar(&c.MaxAttempts, "max-attempts", c.MaxAttempts, "attempts per job before it is given up, with growing backoff between them")
	fs.DurationVar(&c.SweepInterval, "sweep-interval", c.SweepInterval, envHelp("how often the SLA sweep applies Near Breach and Breached labels; 0 disables it", "VIGIL_SWEEP_INTERVAL"))
	fs.DurationVar(&c.PollInterval, "poll-interval", c.PollInterval, "how often workers look for new jobs")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, envHelp("how long to let running jobs finish on shutdown", "VIGIL_SHUTDOWN_TIMEOUT"))
	fs.DurationVar(&c.JobTimeout, "job-timeout", c.JobTimeout, envHelp("longest one job may run, however large its report", "VIGIL_JOB_TIMEOUT"))
	fs.DurationVar(&c.JobBudget, "job-budget", c.JobBudget, envHelp("time a delivery starts with; it grows with the artifacts, findings and issue groups the delivery brings, up to --job-timeout", "VIGIL_JOB_BUDGET"))
	fs.DurationVar(&c.DeliveryRetention, "delivery-retention", c.DeliveryRetention, envHelp("how long processed webhook bodies are kept in the ledger; their keys stay for deduplication; 0 keeps them forever", "VIGIL_DELIVERY_RETENTION"))
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, envHelp("debug, info, warn or error", "VIGIL_LOG_LEVEL"))
	fs.BoolVar(&c.Patch, "patch", c.Patch, envHelp("open merge requests that fix findings with a known fix; the flags below shape them", "VIGIL_PATCH"))
	AddMergeRequestFlags(fs, &c.MergeRequests)
	fs.StringVar(&c.InventoryFile, "inventory", c.InventoryFile, envHelp("inventory config (as for vigil inventory): list its registries and clusters into the ledger periodically", "VIGIL_INVENTORY"))
	fs.DurationVar(&c.InventoryInterval, "inventory-interval", c.InventoryInterval, envHelp("how often the inventory runs; 0 disables it", "VIGIL_INVENTORY_INTERVAL"))
	fs.IntVar(&c.ReadoutMetrics.GroupDepth, "metrics-group-depth", c.ReadoutMetrics.GroupDepth, "path segments of the group label on the read-out gauges (1: top-level groups)")
	fs.DurationVar(&c.ReadoutMetrics.Window, "metrics-window", c.ReadoutMetrics.Window, "the rolling window of the read-out gauges (new, fixed, MTTR, SLA compliance)")
	fs.DurationVar(&c.ReadoutMetrics.Interval, "metrics-interval", c.ReadoutMetrics.Interval, "how often the read-out gauges are recomputed from the ledger's history; a scrape in between reuses them")
	addReadoutFlags(fs, &c.ReadoutConfig)
}

// addReadoutFlags registers the dashboard's token and the read-out issue's
// schedule.
func addReadoutFlags(fs *pflag.FlagSet, c *bot.ReadoutConfig) {
	fs.StringVar(&c.DashboardToken, "dashboard-token", c.DashboardToken, envHelp("read token GET /dashboard requires (bearer header, or its sign-in page sets a cookie); empty leaves the dashboard off; prefer the environment", "VIGIL_DASHBOARD_TOKEN"))
	fs.StringVar(&c.DashboardOAuthID, "dashboard-oauth-client-id", c.DashboardOAuthID, envHelp("a GitLab OAuth application's id (scope read_user, callback https://BOT/dashboard/oauth/callback): the dashboard's sign-in offers GitLab to members of --dashboard-project", "VIGIL_DASHBOARD_OAUTH_CLIENT_ID"))
	fs.StringVar(&c.DashboardOAuthSecret, "dashboard-oauth-secret", c.DashboardOAuthSecret, envHelp("that application's secret; prefer the environment", "VIGIL_DASHBOARD_OAUTH_SECRET"))
	fs.StringVar(&c.DashboardProject, "dashboard-project", c.DashboardProject, envHelp("project (path or id) whose members with Reporter or more may sign in to the dashboard with GitLab; empty means --readout-project", "VIGIL_DASHBOARD_PROJECT"))
	fs.StringVar(&c.ReadoutProject, "readout-project", c.ReadoutProject, envHelp("the VM team's project (path or id) where each period's read-out issue is posted, charts attached; empty posts none", "VIGIL_READOUT_PROJECT"))
	fs.StringVar(&c.ReadoutPeriod, "readout-period", c.ReadoutPeriod, envHelp("monthly or weekly: the period one read-out issue covers", "VIGIL_READOUT_PERIOD"))
	fs.IntVar(&c.ReadoutDay, "readout-day", c.ReadoutDay, envHelp("when a read-out is posted: day of the month (1-28) after a monthly period, weekday (1 Monday … 7 Sunday) after a weekly one", "VIGIL_READOUT_DAY"))
	fs.DurationVar(&c.ReadoutCheckInterval, "readout-check-interval", c.ReadoutCheckInterval, envHelp("how often the bot looks for a due read-out; one replica posts it, once per period", "VIGIL_READOUT_CHECK_INTERVAL"))
}

// Load layers the settings once the flags are parsed: defaults, then the
// config file (named by --config or VIGIL_CONFIG), then the environment,
// then the flags the user gave. more are the bindings of other groups on
// the same command (the verifier's DB).
func (b *Bot) Load(fs *pflag.FlagSet, getenv Getenv, more ...[]EnvBinding) error {
	if err := ApplyEnv(fs, getenv, configEnv); err != nil {
		return err
	}
	return Layer(fs, func() error { return ReadYAML(b.ConfigFile, b.Config) }, getenv, append([][]EnvBinding{botEnv}, more...)...)
}
