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
	var all []record
	add := func(rs ...record) { all = append(all, rs...) }

	for _, dir := range cfg.OSVDirs {
		files, err := jsonFiles(dir)
		if err != nil {
			return collection{}, err
		}
		for _, f := range files {
			r, err := readOSVFile(f)
			if err != nil {
				return collection{}, err
			}
			add(r)
		}
	}
	for _, dir := range cfg.OSDirs {
		files, err := jsonFiles(dir)
		if err != nil {
			return collection{}, err
		}
		for _, f := range files {
			rs, err := readOSFile(f)
			if err != nil {
				return collection{}, err
			}
			add(rs...)
		}
	}
	for _, dir := range cfg.GHSADirs {
		files, err := jsonFiles(dir)
		if err != nil {
			return collection{}, err
		}
		for _, f := range files {
			rs, err := readGHSAFile(f)
			if err != nil {
				return collection{}, err
			}
			add(rs...)
		}
	}
	if cfg.KEVFile != "" {
		rs, err := readKEVFile(cfg.KEVFile)
		if err != nil {
			return collection{}, err
		}
		add(rs...)
	}
	if cfg.EPSSFile != "" {
		rs, err := readEPSSFile(cfg.EPSSFile)
		if err != nil {
			return collection{}, err
		}
		add(rs...)
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
