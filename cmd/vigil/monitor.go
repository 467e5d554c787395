package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot/monitor"
	cisbom "gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func newMonitorCmd() *cobra.Command {
	db, pass := options.DefaultDB(), options.MonitorPass{}
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "One pass of continuous monitoring: match stored SBOMs again where a new DB build changed something, and print what changed",
		Long: `monitor is what the bot's continuous monitoring does, by hand (for a scheduled CI job on teams that
do not run the bot). It reads the DB (--db, or grype's online DB), diffs it with the build the previous
pass kept in --state, matches again only the SBOMs in --sboms that hold a package the diff names (every
SBOM on the first pass, after a schema change, or when an SBOM file changed), and prints the findings
each new build added or resolved. Keep --state between runs (a CI cache).`,
		Example: `  vigil monitor --db ./vigil-db --sboms ./sboms --state ./.vigil-monitor --project group/app`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := options.ApplyEnv(cmd.Flags(), os.Getenv, db.Env(), pass.Env()); err != nil {
				return err
			}
			if pass.SBOMs == "" || pass.State == "" {
				return errors.New("monitor needs --sboms and --state")
			}
			return runMonitor(cmd, db, pass)
		},
	}
	db.AddFlags(cmd.Flags())
	pass.AddFlags(cmd.Flags())
	return cmd
}

// monitorState is what a pass keeps for the next one, in --state.
type monitorState struct {
	Build monitor.Build          `json:"build"`
	SBOMs map[string]*storedSBOM `json:"sboms"` // by file name
}

type storedSBOM struct {
	Hash     string   `json:"hash"`     // of the file: a changed file is matched afresh
	Keys     []string `json:"keys"`     // what its last match asked the DB
	Findings []string `json:"findings"` // "vulnerability package version" of its last match
}

func runMonitor(cmd *cobra.Command, db options.DB, pass options.MonitorPass) error {
	ctx := cmd.Context()
	m := newDBMatcher(db.OpenOptions(), filepath.Join(pass.State, "builds"))
	defer m.Close()
	st := monitorState{SBOMs: map[string]*storedSBOM{}}
	statePath := filepath.Join(pass.State, "state.json")
	if data, err := os.ReadFile(statePath); err == nil {
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("read monitoring state %s: %w (delete it to start over)", statePath, err)
		}
	}
	latest, err := m.Latest(ctx)
	if err != nil {
		return err
	}
	ch := monitor.Changes{Full: true}
	if st.Build.Checksum != "" && st.Build.Checksum != latest.Checksum {
		if ch, err = m.Diff(ctx, st.Build, latest); err != nil {
			return err
		}
	} else if st.Build.Checksum == latest.Checksum {
		ch = monitor.Changes{}
	}
	previous := "none (first pass: every SBOM is matched)"
	if st.Build.Checksum != "" {
		previous = st.Build.Name()
	}
	cmd.Printf("%s; previous: %s\n", latest.Name(), previous)
	if !ch.Full {
		cmd.Printf("%d vulnerability records changed (%d withdrawn)\n", len(ch.Vulnerabilities), len(ch.Withdrawn))
	}
	files, err := filepath.Glob(filepath.Join(pass.SBOMs, "*.json"))
	if err != nil {
		return err
	}
	set, matched := ch.KeySet(), 0
	for _, f := range files {
		n, err := monitorFile(cmd, m, latest, ch, set, st.SBOMs, f, pass.Project)
		if err != nil {
			return err
		}
		matched += n
	}
	cmd.Printf("matched %d of %d SBOMs again\n", matched, len(files))
	st.Build = latest
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(pass.State, 0o755); err != nil {
		return err
	}
	return os.WriteFile(statePath, data, 0o644)
}

// monitorFile matches one SBOM file again if it needs it and prints the
// findings that appeared or went; it returns 1 when it matched.
func monitorFile(cmd *cobra.Command, m *dbMatcher, b monitor.Build, ch monitor.Changes, set map[string]bool,
	state map[string]*storedSBOM, path, project string) (int, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(doc)
	hash, name := hex.EncodeToString(sum[:]), filepath.Base(path)
	prev := state[name]
	if prev != nil && prev.Hash == hash && !ch.Needs("kept", prev.Keys, set) {
		return 0, nil
	}
	s, err := cisbom.Decode(path)
	if err != nil {
		return 0, err
	}
	asset := findings.Asset{Kind: "image", Repository: s.Source.Name, Digest: s.Source.ID}
	res, err := m.Match(cmd.Context(), b, doc, project, asset)
	if err != nil {
		return 0, fmt.Errorf("match %s: %w", path, err)
	}
	var now []string
	for _, f := range res.Findings {
		now = append(now, f.Key()+" "+f.Package.Name+" "+f.Package.Version)
	}
	slices.Sort(now)
	if prev != nil && prev.Hash == hash { // the same SBOM: what the DB build changed
		printDelta(cmd.OutOrStdout(), name, prev.Findings, now)
	} else {
		cmd.Printf("%s: %d findings\n", name, len(now))
	}
	state[name] = &storedSBOM{Hash: hash, Keys: res.Keys, Findings: now}
	return 1, nil
}

func printDelta(w io.Writer, name string, before, after []string) {
	for _, f := range after {
		if !slices.Contains(before, f) {
			fmt.Fprintf(w, "%s: new      %s\n", name, f)
		}
	}
	for _, f := range before {
		if !slices.Contains(after, f) {
			fmt.Fprintf(w, "%s: resolved %s\n", name, f)
		}
	}
}
