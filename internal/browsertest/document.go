package browsertest

import (
	"net/http"
	"net/http/httptest"
)

// OpenDocument opens page as a file opened from disk or mailed would be:
// served with a policy under which nothing loads from elsewhere (inline
// styles and data: images only), so a page that needs a script or a CDN
// shows it.
func (b *Browser) OpenDocument(page []byte) {
	b.t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		w.Write(page)
	}))
	defer srv.Close()
	if status := b.Navigate(srv.URL); status != http.StatusOK {
		b.t.Fatalf("open document: status %d", status)
	}
}

// ChartMarks counts the drawn marks (paths and rectangles) of each SVG the
// selector matches, in document order.
func (b *Browser) ChartMarks(selector string) []int {
	b.t.Helper()
	return Evaluate[[]int](b, `[...document.querySelectorAll(`+quote(selector)+`)].map(s => s.querySelectorAll("path, rect").length)`)
}
