// Package ecrtest is a stand-in for Amazon ECR's API on loopback: the JSON
// 1.1 protocol (POST / with X-Amz-Target) for DescribeRepositories and
// DescribeImages, as the ECR API reference documents them, so tests point
// aws-sdk-go-v2's ECR client at it with BaseEndpoint.
package ecrtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

const targetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// Image is one image in a repository.
type Image struct {
	Digest     string
	Tags       []string
	MediaType  string
	Size       int64
	PushedAt   time.Time
	LastPulled time.Time // zero: never pulled
}

// Server is a running stand-in for one registry (account and region).
type Server struct {
	URL      string
	Account  string
	Region   string
	mu       sync.Mutex
	repos    map[string][]Image
	throttle int // answer this many next requests with ThrottlingException
	srv      *httptest.Server
}

// New serves an empty registry of account 123456789012 in eu-west-1 until
// the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{Account: "123456789012", Region: "eu-west-1", repos: map[string][]Image{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Add puts images in repository repo (created if new).
func (s *Server) Add(repo string, images ...Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[repo] = append(s.repos[repo], images...)
}

// Throttle makes the next n requests fail as ECR does when rate-limited.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Host is the registry host images of this account and region are pulled from.
func (s *Server) Host() string {
	return s.Account + ".dkr.ecr." + s.Region + ".amazonaws.com"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.throttle > 0 {
		s.throttle--
		fail(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return
	}
	if r.Header.Get("Authorization") == "" {
		fail(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	var in struct {
		RegistryID     string `json:"registryId"`
		RepositoryName string `json:"repositoryName"`
		NextToken      string `json:"nextToken"`
		MaxResults     int    `json:"maxResults"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	switch r.Header.Get("X-Amz-Target") {
	case targetPrefix + "DescribeRepositories":
		s.describeRepositories(w, in.NextToken, in.MaxResults)
	case targetPrefix + "DescribeImages":
		s.describeImages(w, in.RepositoryName, in.NextToken, in.MaxResults)
	default:
		fail(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+r.Header.Get("X-Amz-Target"))
	}
}

func (s *Server) describeRepositories(w http.ResponseWriter, token string, max int) {
	names := make([]string, 0, len(s.repos))
	for n := range s.repos {
		names = append(names, n)
	}
	sort.Strings(names)
	page, next := pageOf(names, token, max)
	out := []map[string]any{}
	for _, n := range page {
		out = append(out, map[string]any{
			"repositoryArn":  fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", s.Region, s.Account, n),
			"registryId":     s.Account,
			"repositoryName": n,
			"repositoryUri":  s.Host() + "/" + n,
			"createdAt":      1.7e9,
		})
	}
	reply(w, map[string]any{"repositories": out, "nextToken": next})
}

func (s *Server) describeImages(w http.ResponseWriter, repo, token string, max int) {
	images, ok := s.repos[repo]
	if !ok {
		fail(w, http.StatusBadRequest, "RepositoryNotFoundException",
			fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", repo, s.Account))
		return
	}
	page, next := pageOf(images, token, max)
	out := []map[string]any{}
	for _, img := range page {
		d := map[string]any{
			"registryId": s.Account, "repositoryName": repo, "imageDigest": img.Digest,
			"imageSizeInBytes": img.Size, "imageManifestMediaType": img.MediaType,
			"imagePushedAt": epoch(img.PushedAt),
		}
		if len(img.Tags) > 0 {
			d["imageTags"] = img.Tags
		}
		if !img.LastPulled.IsZero() {
			d["lastRecordedPullTime"] = epoch(img.LastPulled)
		}
		out = append(out, d)
	}
	reply(w, map[string]any{"imageDetails": out, "nextToken": next})
}

// pageOf cuts one page at an offset token; ECR's default page is 100.
func pageOf[T any](items []T, token string, max int) ([]T, any) {
	start, _ := strconv.Atoi(token)
	if max <= 0 {
		max = 100
	}
	start = min(start, len(items))
	end := min(start+max, len(items))
	if end < len(items) {
		return items[start:end], strconv.Itoa(end)
	}
	return items[start:end], nil
}

// epoch is the JSON protocol's timestamp: seconds since the epoch.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
