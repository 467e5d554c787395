package vulndb

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"

	"github.com/anchore/grype/grype/db/data"
	"github.com/anchore/grype/grype/db/provider"
	v6build "github.com/anchore/grype/grype/db/v6/build"
)

// collection is every record a build will write, grouped for reporting.
type collection struct {
	records []record
	skipped int // records grype's transformers ignore (e.g. OSV ids with no grype strategy)
}

// collect reads every input named by cfg and checks each record with the
// processor grype's builder will use for it, so a record grype cannot read is
// reported with the file it came from before anything is written.
func collect(ctx context.Context, cfg BuildConfig, log *slog.Logger) (collection, error) {
	all, err := readInputs(cfg)
	if err != nil {
		return collection{}, err
	}
	seen := map[string]string{}
	processors := v6build.Processors(v6build.NewConfig())
	var c collection
	for i, r := range all {
		if i%500 == 0 {
			if err := ctx.Err(); err != nil {
				return collection{}, err
			}
		}
		key := r.provider + "\x00" + resultFileName(r.identifier)
		if first, dup := seen[key]; dup {
			return collection{}, fmt.Errorf("record %s in %s is also in %s: give each record once", r.identifier, r.source, first)
		}
		seen[key] = r.source

		n, err := check(processors, r)
		if err != nil {
			return collection{}, fmt.Errorf("record %s in %s: %w", r.identifier, r.source, err)
		}
		if n == 0 {
			log.Warn("grype's builder ignores this record; leaving it out", "record", r.identifier, "file", r.source)
			c.skipped++
			continue
		}
		c.records = append(c.records, r)
	}
	if len(c.records) == 0 {
		return collection{}, fmt.Errorf("no vulnerability records grype can use in the inputs (%d read, %d ignored)", len(all), c.skipped)
	}
	return c, nil
}

// readInputs reads every record of every input: the JSON files of each
// record directory, then the KEV catalog and the EPSS scores.
func readInputs(cfg BuildConfig) ([]record, error) {
	one := func(read func(string) (record, error)) func(string) ([]record, error) {
		return func(f string) ([]record, error) {
			r, err := read(f)
			return []record{r}, err
		}
	}
	var all []record
	for _, in := range []struct {
		dirs []string
		read func(string) ([]record, error)
	}{{cfg.OSVDirs, one(readOSVFile)}, {cfg.OSDirs, readOSFile}, {cfg.GHSADirs, readGHSAFile}} {
		for _, dir := range in.dirs {
			files, err := jsonFiles(dir)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				rs, err := in.read(f)
				if err != nil {
					return nil, err
				}
				all = append(all, rs...)
			}
		}
	}
	for _, in := range []struct {
		file string
		read func(string) ([]record, error)
	}{{cfg.KEVFile, readKEVFile}, {cfg.EPSSFile, readEPSSFile}} {
		if in.file == "" {
			continue
		}
		rs, err := in.read(in.file)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

// check runs r through the grype processor that claims its schema and returns
// how many DB entries it yields.
func check(processors []data.Processor, r record) (int, error) {
	for _, p := range processors {
		if !p.IsSupported(r.schema) {
			continue
		}
		state := provider.State{Provider: r.provider, Version: 1, Processor: processorName}
		entries, err := p.Process(bytes.NewReader(r.item), state)
		if err != nil {
			return 0, fmt.Errorf("grype cannot read it: %w", err)
		}
		return len(entries), nil
	}
	return 0, fmt.Errorf("no grype processor for schema %s", r.schema)
}
