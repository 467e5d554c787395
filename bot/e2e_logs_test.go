package bot

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogsAreJSONAndNeverCarrySecrets(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	logs := &lockedBuffer{}
	w.logs = logs
	w.start(nil)
	story(w)
	// A wrong token and a failing API call are logged too.
	req, _ := http.NewRequest(http.MethodPost, w.hookURL, strings.NewReader(`{}`))
	req.Header.Set("X-Gitlab-Event", "Job Hook")
	req.Header.Set("X-Gitlab-Token", secret+"x")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	w.shutdown()
	out := logs.String()
	if !strings.Contains(out, `"msg":"opened issue"`) || !strings.Contains(out, `"result":"unauthorized"`) {
		t.Errorf("expected events missing from logs:\n%s", out)
	}
	for _, s := range []string{w.token, secret} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain a secret %q", s)
		}
	}
}
