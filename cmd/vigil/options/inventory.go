package options

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/pflag"
)

// InventoryFormats lists the valid -o values of vigil inventory.
var InventoryFormats = []string{"table", "json", "csv"}

// Inventory is `vigil inventory`'s settings.
type Inventory struct {
	Config  string
	Print   string
	Gaps    bool
	Data    string
	Timeout time.Duration
}

// DefaultInventory is Inventory before flags.
func DefaultInventory() Inventory {
	return Inventory{Config: "inventory.yml", Print: "table", Timeout: 10 * time.Minute}
}

// AddFlags registers the inventory's flags.
func (o *Inventory) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Config, "config", o.Config, "inventory config file (YAML; ${VAR} and ${VAR:-default} are expanded from the environment)")
	fs.StringVarP(&o.Print, "output", "o", o.Print, "output format: table, json or csv")
	fs.BoolVar(&o.Gaps, "gaps", o.Gaps, "list coverage gaps: sources that could not be listed, and running digests with no scan in --data (without it: found in no registry source)")
	fs.StringVar(&o.Data, "data", o.Data, "the bot's ledger (SQLite file): store the inventory there, and take known scans from it for --gaps")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "give up on sources still listing after this long (0: never)")
}

// Validate reports a value that cannot work.
func (o *Inventory) Validate() error {
	if !slices.Contains(InventoryFormats, o.Print) {
		return fmt.Errorf("-o %s: want table, json or csv", o.Print)
	}
	return nil
}
