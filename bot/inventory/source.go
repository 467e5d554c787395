package inventory

import "context"

// Source lists the assets of one registry or cluster. Implementations live
// in inventory/source/<kind>, one package each, and use their platform's
// official client; they never log credentials.
type Source interface {
	// Name is the configured name, unique within an inventory.
	Name() string
	// Type is the kind of source: gitlab, oci, ecr, gar, acr, kubernetes.
	Type() string
	// List returns every asset, or an error when the source could not be
	// listed; a partial list with an error is allowed.
	List(ctx context.Context) ([]Asset, error)
}
