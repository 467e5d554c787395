package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// binaries are the names Debian's package and Chrome's builds install.
var binaries = []string{"chromium", "chromium-browser", "headless-shell", "google-chrome"}

// Find returns the path of an installed Chromium, or "" when none is.
func Find() string {
	for _, name := range binaries {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium tab, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// actionTimeout bounds one step, so a hung page fails the test instead of
// stalling it.
const actionTimeout = 30 * time.Second

// New starts Chromium for t. Without one the test is skipped, unless CI is
// set: there .ci/test installs Debian's chromium, so its absence is a
// failure.
func New(t testing.TB) *Browser {
	t.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium on PATH; .ci/test installs Debian's chromium package")
		}
		t.Skip("no chromium on PATH: apt-get install chromium to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Closed through the protocol, not killed: a killed Chromium leaves
		// its singleton socket directory in the temporary directory.
		_ = chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return &Browser{t: t, ctx: ctx}
}

// Navigate loads url and returns the HTTP status of the document.
func (b *Browser) Navigate(url string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("navigate to %s: %v", url, err)
	}
	if resp == nil {
		b.t.Fatalf("navigate to %s: no response", url)
	}
	return resp.Status
}

// Evaluate runs a script in the page and decodes its result into T.
func Evaluate[T any](b *Browser, script string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("evaluate %q: %v", script, err)
	}
	return v
}

// Count is how many elements match a CSS selector.
func (b *Browser) Count(selector string) int {
	b.t.Helper()
	return Evaluate[int](b, `document.querySelectorAll(`+quote(selector)+`).length`)
}

// Text is the rendered text of the first element matching selector.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", selector, err)
	}
	return s
}

// Submit types value into the form field named by selector and submits its
// form, waiting for the page it leads to.
func (b *Browser) Submit(selector, value string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	field := chromedp.CSS(selector)
	submit := chromedp.Steps(chromedp.SendKeys(field, value), chromedp.Submit(field))
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, submit)); err != nil {
		b.t.Fatalf("submit %s: %v", selector, err)
	}
}

// Screenshot is a PNG of the whole page, beyond the viewport.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// Follow runs a script that makes the page navigate (a form's submit, a
// link's click) and waits for the page it leads to.
func (b *Browser) Follow(script string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[chromedp.Void](script))); err != nil {
		b.t.Fatalf("follow %q: %v", script, err)
	}
}

// Location is the URL of the page shown.
func (b *Browser) Location() string {
	b.t.Helper()
	return Evaluate[string](b, `location.href`)
}
