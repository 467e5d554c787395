package options

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Layer is the whole layering for a command that also reads a config
// file: defaults, then the file (decoded by readFile onto the same structs
// the flags are bound to), then the environment, then the flags the user
// gave. The file is read after the flags were parsed, so what the user gave
// is taken aside first and set again on top.
func Layer(fs *pflag.FlagSet, readFile func() error, getenv Getenv, bindings ...[]EnvBinding) error {
	type given struct {
		flag  *pflag.Flag
		value string
		slice []string
	}
	var gave []given
	fs.Visit(func(f *pflag.Flag) {
		g := given{flag: f, value: f.Value.String()}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			g.slice = s.GetSlice()
		}
		gave = append(gave, g)
	})
	if err := readFile(); err != nil {
		return err
	}
	for _, g := range gave {
		var err error
		if s, ok := g.flag.Value.(pflag.SliceValue); ok {
			err = s.Replace(g.slice)
		} else {
			err = g.flag.Value.Set(g.value)
		}
		if err != nil {
			return fmt.Errorf("--%s: %w", g.flag.Name, err)
		}
	}
	return ApplyEnv(fs, getenv, bindings...)
}

// ReadYAML decodes the YAML file at path onto dst, refusing unknown keys (a
// misspelt setting must not be ignored in silence). An empty path reads
// nothing.
func ReadYAML(path string, dst any) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	return nil
}
