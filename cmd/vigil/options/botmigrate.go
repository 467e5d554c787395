package options

import "github.com/spf13/pflag"

// BotMigrate is `vigil bot migrate`'s settings: where the ledger is copied
// from and to.
type BotMigrate struct {
	From string // SQLite file of a stopped bot
	To   string // postgres:// URL of an empty database
}

var botMigrateEnv = []EnvBinding{
	{"from", []string{"VIGIL_DATA"}},
	{"to", []string{"VIGIL_DATABASE_URL"}},
}

// AddFlags registers --from and --to.
func (m *BotMigrate) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&m.From, "from", m.From, envHelp("SQLite file of the stopped bot (its NAME.inbox.db beside it is copied too)", "VIGIL_DATA"))
	fs.StringVar(&m.To, "to", m.To, envHelp("postgres:// URL of the empty database the replicas will share; prefer the environment, it may carry a password", "VIGIL_DATABASE_URL"))
}

// Load applies the environment under the flags given.
func (m *BotMigrate) Load(fs *pflag.FlagSet, getenv Getenv) error {
	return ApplyEnv(fs, getenv, botMigrateEnv)
}
