package main

import (
	"cmp"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/verify"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
)

func newBotCmd() *cobra.Command {
	o, db, mon := options.DefaultBot(), options.DefaultDB(), options.DefaultMonitor()
	v := &verify.Verifier{Image: image.Options{Platform: image.DefaultPlatform, Env: os.Getenv, CacheDir: options.DefaultSource().CacheDir}}
	cmd := &cobra.Command{
		Use:   "bot",
		Short: "Run the webhook bot: scan findings in, SLA-tracked GitLab issues out",
		Long: `bot receives GitLab webhooks on POST /webhooks/gitlab, acknowledges them at once, queues them
durably (River on one SQLite file, or on PostgreSQL shared by replicas with --database) and,
for each finished scan job, reads vigil-findings.json (or GitLab's own container/dependency
scanning reports) from the job's artifacts and keeps one labeled,
confidential issue per finding group with its SLA due date. It also serves /healthz, /readyz and
/metrics.

Settings come from the defaults, then --config (YAML), then the environment, then flags.
Secrets are never read from the config file: set VIGIL_GITLAB_TOKEN (api scope),
VIGIL_WEBHOOK_SECRET (or VIGIL_WEBHOOK_SCOPED_SECRETS) and VIGIL_MARKER_KEY in the environment
(flags would show them in process lists).
In GitLab, add a project or group webhook to http(s)://<bot>/webhooks/gitlab with that secret
and the job, pipeline, issue, confidential issue, note, confidential note and merge request events.`,
		Example: `  VIGIL_GITLAB_URL=https://gitlab.example.com VIGIL_GITLAB_TOKEN=… VIGIL_WEBHOOK_SECRET=… VIGIL_MARKER_KEY=… \
      vigil bot --data /var/lib/vigil/bot.db --policy sla.yml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Load(cmd.Flags(), os.Getenv, db.Env(), mon.Env()); err != nil {
				return err
			}
			v.DB = db.OpenOptions()
			cfg := o.Config
			log := bot.NewLogger(os.Stderr, cfg.LogLevel)
			defer v.Close()
			opts := []bot.Option{bot.WithVerifier(v), bot.WithRegistry(v.Image.Registry()), bot.WithEnv(os.Getenv)}
			if mon.Interval > 0 { // continuous monitoring: the matcher is ci/monitor, injected as the verifier is
				m := newDBMatcher(db.OpenOptions(), cmp.Or(mon.Builds, filepath.Join(filepath.Dir(cfg.Data), "monitor-builds")))
				defer m.Close()
				opts = append(opts, bot.WithMonitor(m, mon.Interval), bot.WithCataloger(imageCataloger{image: v.Image}))
			}
			svc, err := bot.New(cmd.Context(), cfg, log, opts...)
			if err != nil {
				return err
			}
			log.Info("vigil bot starting", "version", vigilVersion(), "listen", cfg.Listen, "gitlab", cfg.GitLabURL, "data", cfg.Where())
			return svc.Run(cmd.Context())
		},
	}
	cmd.AddCommand(newBotMigrateCmd())
	o.AddFlags(cmd.Flags())
	db.AddFlags(cmd.Flags()) // the DB that verifies base-image bumps before they are proposed, and that monitoring watches
	mon.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&v.Image.Insecure, "insecure-registry", false, "allow plain-HTTP registries, for listing base image tags and scanning candidates (credentials: CS_REGISTRY_USER/CS_REGISTRY_PASSWORD, CI_REGISTRY_*, docker config)")
	return cmd
}
