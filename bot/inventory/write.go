package inventory

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

var columns = []string{"SOURCE", "KIND", "REPOSITORY", "DIGEST", "TAGS", "OWNER", "TIER", "RUNNING"}

func (r Report) row(a Asset, short bool) []string {
	d := a.Digest
	if short && len(d) > 19 {
		d = d[:19]
	}
	return []string{a.Source, a.Kind, a.Repository, d, strings.Join(a.Tags, ","), a.Owner, a.Tier, r.Where(a)}
}

// WriteTable prints the assets, then the sources that failed, then the
// gaps when there are any, as aligned columns for people.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	for _, a := range r.Assets {
		fmt.Fprintln(tw, strings.Join(r.row(a, true), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if len(r.Gaps) > 0 {
		fmt.Fprintf(tw, "\nGAP\tSOURCE\tIMAGE\tWHERE\tOWNER\tREASON\n")
		for _, g := range r.Gaps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", g.Kind, g.Source, g.Image, g.Where, g.Owner, g.Reason)
		}
	} else {
		for _, s := range r.Sources {
			if s.Error != "" {
				fmt.Fprintf(tw, "\nsource %s (%s) failed: %s\n", s.Source, s.Type, s.Error)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// WriteJSON writes the whole report for programs.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// WriteCSV writes one row per asset with full digests, for spreadsheets.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(columns)
	for _, a := range r.Assets {
		_ = cw.Write(r.row(a, false))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
