package options

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// EnvBinding names the environment variables that set a flag the user did
// not pass, first non-empty one wins.
type EnvBinding struct {
	Flag string
	Env  []string
}

// Getenv reads one environment variable (os.Getenv, or a map in tests).
type Getenv func(string) string

// ApplyEnv is the environment layer: for each binding whose flag was not
// given on the command line, the first set variable becomes the flag's
// value, parsed as the flag would parse it. Flags thus beat the
// environment, which beats the defaults.
func ApplyEnv(fs *pflag.FlagSet, getenv Getenv, bindings ...[]EnvBinding) error {
	for _, group := range bindings {
		for _, b := range group {
			f := fs.Lookup(b.Flag)
			if f == nil {
				return fmt.Errorf("environment binding for unknown flag --%s", b.Flag)
			}
			if f.Changed {
				continue
			}
			for _, name := range b.Env {
				v := strings.TrimSpace(getenv(name))
				if v == "" {
					continue
				}
				if err := setFromEnv(fs, f, v); err != nil {
					return fmt.Errorf("environment variable %s: %w", name, err)
				}
				// Set marks the flag changed; it was the environment, not the user.
				f.Changed = false
				break
			}
		}
	}
	return nil
}

// setFromEnv sets a flag from a variable's value. A list is comma-separated
// with blanks around its items dropped ("one, two"), which pflag's CSV
// parsing of a flag's value would keep.
func setFromEnv(fs *pflag.FlagSet, f *pflag.Flag, v string) error {
	s, ok := f.Value.(pflag.SliceValue)
	if !ok {
		return fs.Set(f.Name, v)
	}
	var items []string
	for _, it := range strings.Split(v, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	return s.Replace(items)
}

// envHelp appends "(env A, B)" to a flag's usage text.
func envHelp(usage string, env ...string) string {
	if len(env) == 0 {
		return usage
	}
	return usage + " (env " + strings.Join(env, ", ") + ")"
}
