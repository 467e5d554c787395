package monitor

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func change(d *Diff, ecosystem, name string) (Change, bool) {
	for _, c := range d.Packages {
		if c.Ecosystem == ecosystem && c.Name == name {
			return c, true
		}
	}
	return Change{}, false
}

func TestDiffBuilds(t *testing.T) {
	t.Parallel()
	d, err := DiffBuilds(context.Background(), oldDB, newDB)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Old.Built.Equal(cutoff) || !d.New.Built.Equal(cutoff.Add(7*24*time.Hour)) {
		t.Errorf("build times: old %s, new %s", d.Old.Built, d.New.Built)
	}
	for _, b := range []Build{d.Old, d.New} {
		if !strings.HasPrefix(b.Schema, "v6.") || !strings.HasPrefix(b.Checksum, "xxh64:") {
			t.Errorf("build identity %+v: want a v6 schema and an xxh64 checksum", b)
		}
	}
	if d.Old.Checksum == d.New.Checksum || d.Full {
		t.Fatalf("two different builds of one schema: checksums %s/%s, full %v", d.Old.Checksum, d.New.Checksum, d.Full)
	}
	t.Logf("%d packages changed between the builds", len(d.Packages))

	// A Go advisory of the week (GO-2026-6917, reported 2026-11-05).
	if c, ok := change(d, "go-module", "github.com/canonical/lxd"); !ok || !slices.Contains(c.Added, "GO-2026-6917") {
		t.Errorf("github.com/canonical/lxd: %+v, want GO-2026-6917 added", c)
	}
	// The Debian advisory only the new build has (FixedIn names the source package).
	if c, ok := change(d, "deb", "expat"); !ok || !slices.Contains(c.Added, "CVE-2023-52425") {
		t.Errorf("deb expat: %+v, want CVE-2023-52425 added", c)
	}
	// The Go advisory the new build withdrew.
	if c, ok := change(d, "go-module", "github.com/Masterminds/goutils"); !ok || !slices.Contains(c.Withdrawn, withdrawnID) {
		t.Errorf("github.com/Masterminds/goutils: %+v, want %s withdrawn", c, withdrawnID)
	}
	if !slices.Contains(d.Withdrawn(), withdrawnID) {
		t.Errorf("withdrawn: %v", d.Withdrawn())
	}
	// Untouched: the Debian openssl advisories are in both builds, unchanged.
	if c, ok := change(d, "deb", "openssl"); ok {
		t.Errorf("deb openssl changed: %+v", c)
	}
	names := d.Names()
	for _, k := range []string{nameKey("github.com/canonical/lxd"), nameKey("expat"), idKey(withdrawnID)} {
		if _, ok := names[k]; !ok {
			t.Errorf("Names lacks %s", k)
		}
	}
}

func TestDiffSameBuild(t *testing.T) {
	t.Parallel()
	d, err := DiffBuilds(context.Background(), newDB, newDB)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Packages) != 0 || d.Full {
		t.Errorf("a build against itself: %d changes, full %v", len(d.Packages), d.Full)
	}
}

func TestDiffBuildsNoDB(t *testing.T) {
	t.Parallel()
	_, err := DiffBuilds(context.Background(), t.TempDir(), newDB)
	if err == nil || !strings.Contains(err.Error(), "no vulnerability database") {
		t.Errorf("err = %v, want the missing DB named", err)
	}
}
