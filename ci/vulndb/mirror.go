package vulndb

import (
	"context"
	"fmt"

	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
)

// OfficialListing is grype's public database listing, what grype and an
// online vigil scan read.
const OfficialListing = "https://grype.anchore.io/databases/v6/latest.json"

// Mirror installs the database a grype listing (latest.json) names into out
// (out/6/vulnerability.db), the way grype itself updates: the archive the
// listing points at is downloaded, verified against the listing's checksum,
// unpacked and checked against its import.json. A scan with --db out then
// has exactly the data of an online scan. An existing DB in out as new as
// the listing's is kept.
func Mirror(ctx context.Context, listing, out string) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Status{}, err
	}
	if listing == "" {
		listing = OfficialListing
	}
	dist := v6dist.DefaultConfig()
	dist.ID = grypeID()
	dist.LatestURL = listing
	client, err := v6dist.NewClient(dist)
	if err != nil {
		return Status{}, fmt.Errorf("mirror %s: %w", listing, err)
	}
	inst := v6inst.Config{DBRootDir: out, ValidateChecksum: true}
	cur, err := v6inst.NewCurator(inst, client)
	if err != nil {
		return Status{}, fmt.Errorf("mirror %s: %w", listing, err)
	}
	if _, err := cur.Update(); err != nil {
		return Status{}, fmt.Errorf("mirror %s: %w", listing, err)
	}
	st, err := ReadStatus(out)
	if err != nil {
		return Status{}, fmt.Errorf("mirror %s: no database installed: %w", listing, err)
	}
	return st, nil
}
