package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBotRefusesMissingSecrets(t *testing.T) {
	t.Setenv("VIGIL_GITLAB_TOKEN", "")
	t.Setenv("VIGIL_WEBHOOK_SECRET", "")
	t.Setenv("VIGIL_WEBHOOK_SECRETS", "")
	code, _ := vigil(t, "bot", "--data", filepath.Join(t.TempDir(), "bot.db"), "--listen", "")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

// The command reads its config file (named in the environment) under the
// flags: a token there is refused before anything starts.
func TestBotReadsItsConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bot.yml")
	if err := os.WriteFile(file, []byte("gitlab_token: glpat-in-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIGIL_CONFIG", file)
	root := newRoot()
	root.SetArgs([]string{"bot", "--data", filepath.Join(t.TempDir(), "bot.db"), "--listen", ""})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gitlab_token") || strings.Contains(err.Error(), "glpat-in-a-file") {
		t.Fatalf("err = %v, want the file's gitlab_token refused (without repeating it)", err)
	}
}

// bot migrate names what is missing before touching anything.
func TestBotMigrateRefusesMissingEnds(t *testing.T) {
	t.Setenv("VIGIL_DATA", "")
	t.Setenv("VIGIL_DATABASE_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bot", "migrate", "--to", "postgres://db/vigil"}, "--from"},
		{[]string{"bot", "migrate", "--from", "bot.db"}, "--to"},
		{[]string{"bot", "migrate", "--from", filepath.Join(t.TempDir(), "missing.db"), "--to", "postgres://127.0.0.1:1/vigil"}, "missing.db"},
	} {
		root := newRoot()
		root.SetArgs(tc.args)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}
