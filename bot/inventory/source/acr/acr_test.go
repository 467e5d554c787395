package acr_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/acr"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// The ACR keychain is the default and, for a host that is not ACR's, is
// anonymous: the registry is listed through the OCI API as ACR serves it.
func TestListThroughOCIAPIWithACRKeychain(t *testing.T) {
	reg := registrytest.New(t)
	img, _ := random.Image(64, 1)
	reg.Push(t, "shop/cart:3.1", img)
	assets, err := acr.New(acr.Config{Name: "azure", Registry: reg.Host, Insecure: true}).List(context.Background())
	if err != nil || len(assets) != 1 || assets[0].Repository != reg.Host+"/shop/cart" || assets[0].Tags[0] != "3.1" {
		t.Fatalf("%v %+v", err, assets)
	}
}

// Without AZURE_* credentials in the environment the keychain cannot log
// in to ACR and falls back to anonymous (ACR then answers 401, which is
// the source's error), rather than failing every other registry's pull.
func TestKeychainWithoutEnvironmentIsAnonymous(t *testing.T) {
	t.Setenv("AZURE_CLIENT_ID", "")
	t.Setenv("AZURE_TENANT_ID", "")
	res, err := authn.Resolve(context.Background(), acr.Keychain(), fakeResource("acme.azurecr.io"))
	if err != nil || res != authn.Anonymous {
		t.Fatalf("want anonymous, got %v %v", res, err)
	}
}

type fakeResource string

func (f fakeResource) String() string      { return string(f) }
func (f fakeResource) RegistryStr() string { return string(f) }
