package bot

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bot.yaml")
	os.WriteFile(file, []byte("listen: \":9000\"\ndata: /var/lib/vigil/file.db\nsweep_interval: 30m\njob_names: [scan]\n"), 0o600)
	t.Setenv("VIGIL_DATA", "/env.db")
	t.Setenv("VIGIL_GITLAB_TOKEN", "glpat-secret")
	t.Setenv("VIGIL_WEBHOOK_SECRETS", "one, two")
	t.Setenv("VIGIL_WEBHOOK_SECRET", "zero")
	t.Setenv("VIGIL_MARKER_KEY", "marker-key-0123456789")
	t.Setenv("VIGIL_WEBHOOK_SCOPED_SECRETS", "payments/**=pay-secret")
	cfg, err := LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("bot", pflag.ContinueOnError)
	cfg.AddFlags(fs)
	if err := fs.Parse([]string{"--sweep-interval=5m", "--gitlab-url=https://gitlab.example"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":9000" || cfg.Data != "/env.db" || cfg.SweepInterval != 5*time.Minute || cfg.GitLabURL != "https://gitlab.example" {
		t.Errorf("precedence wrong: %+v", cfg)
	}
	if !slices.Equal(cfg.JobNames, []string{"scan"}) || !slices.Equal(cfg.WebhookSecrets, []string{"zero", "one", "two"}) {
		t.Errorf("lists: jobs %v secrets %v", cfg.JobNames, cfg.WebhookSecrets)
	}
	if cfg.GitLabToken != "glpat-secret" || cfg.Validate() != nil {
		t.Errorf("token %q, validate %v", cfg.GitLabToken, cfg.Validate())
	}
	// Every knob has help text, and no default shows the token.
	fs.VisitAll(func(f *pflag.Flag) {
		if len(f.Usage) < 20 {
			t.Errorf("flag --%s has no real help: %q", f.Name, f.Usage)
		}
	})
	if u := fs.FlagUsages(); strings.Contains(u, "glpat-secret") || strings.Contains(u, "zero") ||
		strings.Contains(u, "marker-key-0123") || strings.Contains(u, "pay-secret") {
		t.Errorf("--help shows a secret taken from the environment:\n%s", u)
	}
}

func TestConfigRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":         "listen: x\nwebhook_secret: nope\n",
		"token in file":       "gitlab_token: glpat-x\n",
		"bad duration":        "sweep_interval: soon\n",
		"not yaml":            "listen: [",
		"secrets not in file": "webhook_secrets: [a]\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "bot.yaml")
			os.WriteFile(file, []byte(doc), 0o600)
			if _, err := LoadConfig(file); err == nil {
				t.Errorf("accepted %q", doc)
			}
		})
	}
	cfg := DefaultConfig()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "VIGIL_GITLAB_TOKEN") {
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
	t.Setenv("VIGIL_TRACK_REFS", "release/*, v*")
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
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
