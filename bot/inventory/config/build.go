package config

import (
	"context"
	"errors"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	gl "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/acr"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/ecr"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gar"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/gitlab"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/kube"
	"gitlab.com/vigil-vm/vigil/bot/inventory/source/oci"
)

// Getenv reads the environment (os.Getenv, or a test's map).
type Getenv func(string) string

// Build makes every configured source. A source that cannot even be built
// (a kubeconfig context that does not exist, a missing token) becomes a
// source that fails with that reason, so it is a coverage gap like any
// other and the rest are still listed.
func Build(ctx context.Context, c Config, env Getenv) []inventory.Source {
	var out []inventory.Source
	for _, s := range c.Sources {
		if s.Type == "kubernetes" && len(s.Contexts) > 0 {
			for _, kc := range s.Contexts {
				one := s
				one.Name, one.Context, one.Cluster, one.Contexts = kc, kc, kc, nil
				out = append(out, buildOne(ctx, one, env))
			}
			continue
		}
		out = append(out, buildOne(ctx, s, env))
	}
	return out
}

func buildOne(ctx context.Context, s Source, env Getenv) inventory.Source {
	src, err := build(ctx, s, env)
	if err != nil {
		return broken{name: s.Name, typ: s.Type, err: err}
	}
	return src
}

func build(ctx context.Context, s Source, env Getenv) (inventory.Source, error) {
	switch s.Type {
	case "gitlab":
		return buildGitLab(s, env)
	case "oci":
		return oci.New(oci.Config{Name: s.Name, Registry: s.Registry, Repositories: s.Repositories, Insecure: s.Insecure,
			Workers: s.Workers, Keychain: Keychain()}), nil
	case "acr":
		return acr.New(acr.Config{Name: s.Name, Registry: s.Registry, Repositories: s.Repositories, Insecure: s.Insecure, Workers: s.Workers}), nil
	case "gar":
		return gar.New(gar.Config{Name: s.Name, Roots: s.Roots, Insecure: s.Insecure}), nil
	case "ecr":
		return buildECR(ctx, s)
	case "kubernetes":
		client, err := kube.NewClient(s.Kubeconfig, s.Context, s.InCluster)
		if err != nil {
			return nil, err
		}
		return kube.New(kube.Config{Name: s.Name, Cluster: s.Cluster, Client: client, Namespaces: s.Namespaces}), nil
	}
	return nil, fmt.Errorf("unknown type %q", s.Type)
}

func buildGitLab(s Source, env Getenv) (inventory.Source, error) {
	if s.TokenEnv == "" {
		return nil, errors.New("token_env is not set")
	}
	token := env(s.TokenEnv)
	if token == "" {
		return nil, fmt.Errorf("%s is empty", s.TokenEnv)
	}
	if (s.Group == "") == (s.Project == "") {
		return nil, errors.New("set exactly one of group and project")
	}
	client, err := gl.NewClient(token, gl.WithBaseURL(s.URL))
	if err != nil {
		return nil, fmt.Errorf("gitlab client: %w", err)
	}
	return gitlab.New(gitlab.Config{Name: s.Name, Client: client, Group: s.Group, Project: s.Project,
		Token: token, RegistryUser: s.RegistryUser, Insecure: s.Insecure, Workers: s.Workers}), nil
}

// buildECR loads the AWS SDK's standard credential chain (environment,
// shared config and profile, SSO, web identity, instance and container
// roles); nothing is fetched until the first call.
func buildECR(ctx context.Context, s Source) (inventory.Source, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(s.Region)}
	if s.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(s.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return ecr.New(ecr.Config{Name: s.Name, Client: ecr.NewClient(cfg, s.Endpoint), RegistryID: s.RegistryID, Workers: s.Workers}), nil
}

// broken is a source that could not be built: listing it fails with why.
type broken struct {
	name, typ string
	err       error
}

func (b broken) Name() string { return b.name }
func (b broken) Type() string { return b.typ }
func (b broken) List(context.Context) ([]inventory.Asset, error) {
	return nil, b.err
}
