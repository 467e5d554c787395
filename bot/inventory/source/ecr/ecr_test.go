package ecr_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"gitlab.com/vigil-vm/vigil/bot/inventory/source/ecr"
	"gitlab.com/vigil-vm/vigil/internal/ecrtest"
)

func awsConfig() aws.Config {
	return aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "not-a-secret", "")}
}

func TestListRepositoriesAndImages(t *testing.T) {
	srv := ecrtest.New(t)
	pushed := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	pulled := pushed.Add(48 * time.Hour)
	srv.Add("payments/api",
		ecrtest.Image{Digest: "sha256:" + strings.Repeat("a", 64), Tags: []string{"1.4.2", "latest"}, PushedAt: pushed, LastPulled: pulled,
			MediaType: "application/vnd.oci.image.manifest.v1+json"},
		ecrtest.Image{Digest: "sha256:" + strings.Repeat("b", 64), PushedAt: pushed.Add(-time.Hour)}, // untagged
	)
	// Enough images to take three pages of 1000.
	for i := range 2500 {
		srv.Add("batch/jobs", ecrtest.Image{Digest: fmt.Sprintf("sha256:%064x", i), Tags: []string{fmt.Sprint(i)}, PushedAt: pushed})
	}
	srv.Throttle(2) // the SDK's retryer waits and asks again

	src := ecr.New(ecr.Config{Name: "aws", Client: ecr.NewClient(awsConfig(), srv.URL)})
	assets, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 2502 {
		t.Fatalf("want 2502 images, got %d", len(assets))
	}
	var api []string
	for _, a := range assets {
		if a.Repository == srv.Host()+"/payments/api" && a.Digest == "sha256:"+strings.Repeat("a", 64) {
			if !a.PushedAt.Equal(pushed) || a.LastPulledAt == nil || !a.LastPulledAt.Equal(pulled) || strings.Join(a.Tags, ",") != "1.4.2,latest" {
				t.Errorf("image detail lost: %+v", a)
			}
		}
		if strings.HasSuffix(a.Repository, "/payments/api") {
			api = append(api, a.Digest)
		}
	}
	if len(api) != 2 {
		t.Errorf("payments/api: want the tagged and the untagged image, got %v", api)
	}
}

func TestUnreachableEndpointFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	src := ecr.New(ecr.Config{Name: "aws", Client: ecr.NewClient(awsConfig(), "http://127.0.0.1:1")})
	_, err := src.List(ctx)
	if err == nil {
		t.Fatal("listing through a wrong endpoint succeeded")
	}
	if strings.Contains(err.Error(), "not-a-secret") {
		t.Errorf("error carries the secret key: %v", err)
	}
}
