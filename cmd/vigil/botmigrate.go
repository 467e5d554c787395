package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

func newBotMigrateCmd() *cobra.Command {
	o := &options.BotMigrate{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Copy a stopped bot's SQLite ledger and pending webhooks into PostgreSQL, for replicas",
		Long: `migrate copies everything a bot on one SQLite file knows (deliveries, ingests, findings,
issues, patch memory, assets, its history) and the webhooks it acknowledged but had not yet
queued into an empty PostgreSQL database, in one transaction, and queues again every delivery
not yet finished. Stop the bot first. The destination must be empty: a second run is refused
and writes nothing. Then start any number of replicas with VIGIL_DATABASE_URL.`,
		Example: `  VIGIL_DATABASE_URL=postgres://vigil:…@db:5432/vigil vigil bot migrate --from /var/lib/vigil/bot.db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Load(cmd.Flags(), os.Getenv); err != nil {
				return err
			}
			switch {
			case o.From == "":
				return errors.New("no SQLite file to copy from: set --from or VIGIL_DATA")
			case !postgres.IsURL(o.To):
				return errors.New("no PostgreSQL to copy to: set --to or VIGIL_DATABASE_URL to postgres://user:password@host:5432/db")
			}
			m, err := bot.MoveData(cmd.Context(), o.From, o.To, bot.NewLogger(os.Stderr, "warn"))
			if err != nil {
				return fmt.Errorf("copy %s: %w", o.From, err)
			}
			out := cmd.OutOrStdout()
			for _, t := range m.Tables {
				fmt.Fprintf(out, "%-24s %d rows\n", t.Table, t.Rows)
			}
			fmt.Fprintf(out, "%-24s %d pending deliveries\n", "vigil_inbox", m.Inbox)
			fmt.Fprintf(out, "queued again: %d deliveries not yet finished\n", m.Queued)
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
