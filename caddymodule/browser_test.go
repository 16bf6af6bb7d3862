package caddymodule

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The package's browser tests share one headless Chromium (Debian's, which
// .ci/run installs), started by the first that needs it and stopped by
// TestMain; each test gets a tab of its own, in an incognito context of
// its own, so their cookies never meet.

var browser struct {
	once   sync.Once
	ctx    context.Context // the browser; nil if it could not start
	cancel context.CancelFunc
	err    error
}

// chromiumPath is Debian's Chromium.
const chromiumPath = "/usr/bin/chromium"

// newTab returns a fresh tab, isolated from every other, closed when the
// test ends. Without Chromium the test is skipped, except in CI (CI=true),
// where that is a failure.
func newTab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the browser tests need Chromium: %v", browser.err)
		}
		t.Skipf("no Chromium (%v): install Debian's chromium, as .ci/run does", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	// A tab that waits on a page forever fails the test, not the package.
	ctx, timeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() {
		timeout()
		cancel()
	})
	return ctx
}

func startBrowser() {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		browser.err = err
		return
	}
	// The flags the machine's probe found Chromium needs here: headless, as
	// root, and no calls out (the network is closed and each would fail).
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		browser.err = err
		return
	}
	browser.ctx = ctx
	browser.cancel = func() {
		cancelBrowser()
		cancelAlloc()
	}
}

// stopBrowser ends the shared browser, if one started.
func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}
