package bot

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigNeedsAToken(t *testing.T) {
	if err := DefaultConfig().Validate(); err == nil || !strings.Contains(err.Error(), "VIGIL_GITLAB_TOKEN") {
		t.Errorf("missing token: %v", err)
	}
}

// A URL with credentials is refused without repeating them; a short or
// missing marker key and a malformed scoped secret are refused.
func TestConfigRefusesSecretsInTheWrongPlace(t *testing.T) {
	valid := func() *Config {
		c := DefaultConfig()
		c.GitLabToken, c.WebhookSecrets, c.MarkerKey = "glpat-x", []string{"s"}, "marker-key-0123456789"
		return c
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(*Config)
		want   string
	}{
		"token in URL":        {func(c *Config) { c.GitLabURL = "https://oauth2:glpat-leak@gitlab.example" }, "carries credentials"},
		"not http":            {func(c *Config) { c.GitLabURL = "file:///etc/passwd" }, "http(s)"},
		"no marker key":       {func(c *Config) { c.MarkerKey = "" }, "VIGIL_MARKER_KEY"},
		"short marker key":    {func(c *Config) { c.MarkerKey = "short" }, "at least 16"},
		"scoped, no secret":   {func(c *Config) { c.ScopedWebhookSecrets = []string{"payments/**"} }, "GLOB=SECRET"},
		"only scoped is fine": {func(c *Config) { c.WebhookSecrets, c.ScopedWebhookSecrets = nil, []string{"a/**=s"} }, ""},
	} {
		c := valid()
		tc.change(c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "glpat-leak"):
			t.Errorf("%s: the error repeats the token: %v", name, err)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := map[string]string{
		"/api/v4/projects/12/issues/3":                                     "/projects/:id/issues/:id",
		"/api/v4/projects/group%2Fapp/labels":                              "/projects/:id/labels",
		"/api/v4/projects/1/jobs/77/artifacts/reports/vigil-findings.json": "/projects/:id/jobs/:id/artifacts/*",
		"/api/v4/projects/1/members/all/5":                                 "/projects/:id/members/all/:id",
	}
	for in, want := range tests {
		if got := Endpoint(in); got != want {
			t.Errorf("Endpoint(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestConfigTrackRefs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TrackRefs = []string{"release/*", "v*"}
	cfg.GitLabToken, cfg.WebhookSecrets, cfg.MarkerKey = "t", []string{"s"}, "0123456789abcdef0123"
	if !slices.Equal(cfg.TrackRefs, []string{"release/*", "v*"}) || len(cfg.JobNames) != 0 || cfg.Validate() != nil {
		t.Fatalf("track refs %v, job names %v, validate %v", cfg.TrackRefs, cfg.JobNames, cfg.Validate())
	}
	s := &Service{cfg: cfg}
	for ref, want := range map[string]bool{"main": true, "release/1.2": true, "v1.0.0": true, "feature/x": false, "refs/merge-requests/3/head": false, "": false} {
		if got := s.refTracked(ref, "main"); got != want {
			t.Errorf("refTracked(%q) = %v, want %v", ref, got, want)
		}
	}
	cfg.TrackRefs = []string{"release/["}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "release/[") {
		t.Errorf("bad pattern: %v", err)
	}
}
