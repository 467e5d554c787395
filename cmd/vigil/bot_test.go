package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot"
)

func TestBotSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yml")
	os.WriteFile(file, []byte("workers: 7\nlisten: 127.0.0.1:9999\n"), 0o644)
	t.Setenv("VIGIL_GITLAB_URL", "https://gitlab.env.example")
	t.Setenv("VIGIL_JOB_NAMES", "")

	cmd := newBotCmd()
	if err := cmd.ParseFlags([]string{"--config", file, "--workers", "3", "--job-name", "scan-a,scan-b"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := bot.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := overlayFlags(cmd.Flags(), cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 3 {
		t.Errorf("flag must win over the file: workers = %d", cfg.Workers)
	}
	if cfg.Listen != "127.0.0.1:9999" {
		t.Errorf("file must win over the default: listen = %q", cfg.Listen)
	}
	if cfg.GitLabURL != "https://gitlab.env.example" {
		t.Errorf("env must apply when no flag is set: gitlab url = %q", cfg.GitLabURL)
	}
	if strings.Join(cfg.JobNames, ",") != "scan-a,scan-b" {
		t.Errorf("slice flag: job names = %v", cfg.JobNames)
	}
}

func TestBotRefusesMissingSecrets(t *testing.T) {
	t.Setenv("VIGIL_GITLAB_TOKEN", "")
	t.Setenv("VIGIL_WEBHOOK_SECRET", "")
	t.Setenv("VIGIL_WEBHOOK_SECRETS", "")
	code, _ := vigil(t, "bot", "--data", filepath.Join(t.TempDir(), "bot.db"), "--listen", "")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}
