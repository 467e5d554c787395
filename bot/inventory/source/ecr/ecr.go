// Package ecr lists Amazon ECR registries with aws-sdk-go-v2's ECR client:
// every repository, every image with its digest, tags, push time and last
// recorded pull; pulls go through amazon-ecr-credential-helper's keychain.
package ecr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	ecrlogin "github.com/awslabs/amazon-ecr-credential-helper/ecr-login"
	"github.com/google/go-containerregistry/pkg/authn"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// API is the part of the ECR client a source calls.
type API interface {
	awsecr.DescribeRepositoriesAPIClient
	awsecr.DescribeImagesAPIClient
}

// Config names a registry (an account in a region).
type Config struct {
	Name       string
	Client     API    // awsecr.NewFromConfig(cfg) with the standard credential chain
	RegistryID string // the account id; the caller's own when empty
	Workers    int    // repositories described at once, 4 when zero
}

// Source is an ECR registry.
type Source struct{ cfg Config }

// New returns the source of cfg.
func New(cfg Config) *Source {
	if cfg.Workers < 1 {
		cfg.Workers = 4
	}
	return &Source{cfg: cfg}
}

// NewClient is the ECR client of an AWS configuration: the SDK's standard
// retryer (throttling and 5xx with exponential backoff, here up to 6
// attempts), and endpoint when set (a VPC endpoint, or a test's server).
func NewClient(cfg aws.Config, endpoint string) *awsecr.Client {
	return awsecr.NewFromConfig(cfg, func(o *awsecr.Options) {
		o.RetryMaxAttempts = 6
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Keychain pulls from ECR with the credential helper, which gets an
// authorization token through the same AWS credential chain. Its log goes
// nowhere: it would name the registries it logs in to, never the secret,
// but vigil logs through slog only.
func Keychain() authn.Keychain {
	return authn.NewKeychainFromHelper(ecrlogin.NewECRHelper(ecrlogin.WithLogger(io.Discard)))
}

// Name is the configured name.
func (s *Source) Name() string { return s.cfg.Name }

// Type is "ecr".
func (s *Source) Type() string { return "ecr" }

// List describes every repository, then the images of each, a few
// repositories at a time.
func (s *Source) List(ctx context.Context) ([]inventory.Asset, error) {
	var repos []types.Repository
	p := awsecr.NewDescribeRepositoriesPaginator(s.cfg.Client, &awsecr.DescribeRepositoriesInput{RegistryId: s.registryID()})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe repositories: %w", err)
		}
		repos = append(repos, page.Repositories...)
	}
	got := make([][]inventory.Asset, len(repos))
	errs := make([]error, len(repos))
	sem := make(chan struct{}, s.cfg.Workers)
	var wg sync.WaitGroup
	for i, r := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			got[i], errs[i] = s.images(ctx, r)
		}()
	}
	wg.Wait()
	var assets []inventory.Asset
	for _, g := range got {
		assets = append(assets, g...)
	}
	return assets, errors.Join(errs...)
}

func (s *Source) registryID() *string {
	if s.cfg.RegistryID == "" {
		return nil
	}
	return aws.String(s.cfg.RegistryID)
}

func (s *Source) images(ctx context.Context, r types.Repository) ([]inventory.Asset, error) {
	var out []inventory.Asset
	p := awsecr.NewDescribeImagesPaginator(s.cfg.Client, &awsecr.DescribeImagesInput{
		RepositoryName: r.RepositoryName, RegistryId: r.RegistryId, MaxResults: aws.Int32(1000),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("describe images of %s: %w", aws.ToString(r.RepositoryName), err)
		}
		for _, d := range page.ImageDetails {
			out = append(out, inventory.Asset{
				Kind: inventory.KindRegistry, Repository: aws.ToString(r.RepositoryUri),
				Digest: aws.ToString(d.ImageDigest), Tags: d.ImageTags, MediaType: aws.ToString(d.ImageManifestMediaType),
				PushedAt: utc(d.ImagePushedAt), LastPulledAt: utc(d.LastRecordedPullTime),
			})
		}
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
