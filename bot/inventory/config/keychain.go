package config

import (
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/google"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/acr"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/ecr"
)

// Keychain is how an image found by the inventory is pulled (and how an
// oci source reaches a cloud registry through its plain OCI API): the
// docker config first, then each cloud's own credential chain, which only
// answers for its own hosts (ECR's through amazon-ecr-credential-helper,
// ACR's through docker-credential-acr-env, Google's through gcloud or
// application default credentials).
func Keychain() authn.Keychain {
	return authn.NewMultiKeychain(authn.DefaultKeychain, ecr.Keychain(), acr.Keychain(), google.Keychain)
}
