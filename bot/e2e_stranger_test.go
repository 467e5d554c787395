package bot

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// 200 unauthenticated requests with 500 KB X-Gitlab-Event values, each
// different: the metrics keep their series, the log grows by a few lines
// and the heap stays where it was.
func TestHeaderFloodCostsNothing(t *testing.T) {
	w := newWorld(t)
	logs := &lockedBuffer{}
	w.logs = logs
	w.start(nil)
	before := w.metrics()
	logBefore := len(logs.String())
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	heapBefore := heap()
	h := w.bot.Handler()
	pad := strings.Repeat("x", 500<<10)
	for i := range 200 {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", strings.NewReader(`{}`))
		req.Header.Set("X-Gitlab-Event", fmt.Sprintf("Evil %d %s", i, pad))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", rec.Code)
		}
	}
	after := w.metrics()
	series := func(m string) int { return strings.Count(m, "\nvigil_bot_webhook_deliveries_total{") }
	if series(after) > series(before)+1 || len(after) > len(before)+2048 {
		t.Errorf("metrics grew from %d series (%d bytes) to %d series (%d bytes)", series(before), len(before), series(after), len(after))
	}
	if !strings.Contains(after, `vigil_bot_webhook_deliveries_total{event="other",result="unauthorized"} 200`) {
		t.Errorf("refusals not counted under \"other\":\n%s", after)
	}
	if grown := len(logs.String()) - logBefore; grown > 4096 {
		t.Errorf("the log grew by %d bytes", grown)
	}
	if grown := int64(heap()) - int64(heapBefore); grown > 8<<20 {
		t.Errorf("the heap grew by %d bytes", grown)
	}
}
