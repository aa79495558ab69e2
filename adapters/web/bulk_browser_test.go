package web_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// startBrowser starts one headless Chromium for a test, which its tabs (openTab) share, and
// stops it when the test ends.
func startBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(browser), "starting %s", chromium) // starts the browser, bound to no timeout
	return browser
}

// openTab serves e's app on a local port and opens a tab of browser on it, in a browser context
// of its own (its own cookies and storage), for at most budget, in a window of width x height.
// Any JavaScript dialog fails the test (a stored payload ran) and is closed.
func openTab(t *testing.T, browser context.Context, e *env, prefix string, budget time.Duration, width, height int64) (*tab, context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })

	ctx, cancel := context.WithTimeout(browser, budget)
	t.Cleanup(cancel)
	bctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	vp := viewport{name: fmt.Sprint(width), w: width, h: height}
	b := &tab{t: t, ctx: bctx, base: "http://" + ln.Addr().String(), prefix: prefix, dir: artifactsDir(t),
		opts: walkOptions{prefix: prefix, vp: vp, lang: "en"}, vp: vp}
	require.NoError(t, chromedp.Do(bctx, chromedp.EmulateViewport(width, height), chromedp.Navigate("about:blank")))
	dialogs := chromedp.Events(bctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			t.Errorf("a JavaScript dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(bctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b, bctx
}

// startTab starts a Chromium of its own for the test and opens a tab on e's app (openTab).
func startTab(t *testing.T, chromium string, e *env, prefix string, budget time.Duration, width, height int) (*tab, context.Context) {
	t.Helper()
	return openTab(t, startBrowser(t, chromium), e, prefix, budget, int64(width), int64(height))
}

// busyScript sends (as far as its submit event) the form that holds the element sel, and
// returns what the form then shows: its status text and aria-busy. It then makes the form
// sendable again, for the real click that follows.
const busyScript = `(() => {
  const form = document.querySelector(%q).form;
  form.dispatchEvent(new Event("submit", {cancelable: true}));
  const status = form.querySelector("[data-busy-status]");
  const out = [status ? status.textContent : "", form.getAttribute("aria-busy") || ""];
  form.removeAttribute("aria-busy");
  return out;
})()`

// checkBusy checks that sending the form of the button sel shows at once that the request is
// under way, so that a slow bulk action or import is never a blank wait.
func (b *tab) checkBusy(sel string) {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(busyScript, sel)))
	require.NoError(b.t, err)
	assert.Equal(b.t, b.say("Working…"), v[0], "sending the form of %s says it is working", sel)
	assert.Equal(b.t, "true", v[1], "the form of %s is marked busy while it is sent", sel)
}

// walkBulk is the bulk step of the walk, as management: it ticks two clients of the list and
// gives them to another sales user with the bulk form, which says it is working once sent, and
// the result page counts what was done.
func (b *tab) walkBulk(e *env, to *crm.User, clients ...*crm.Client) {
	b.t.Helper()
	b.open("/admin/clients")
	for _, c := range clients {
		b.do(chromedp.Click(chromedp.CSS(`input[name="id"][value="` + itoa(c.ID) + `"]`)))
	}
	b.fill("bulk-action", "assign", "bulk-contact", itoa(to.ID))
	b.shot("bulk-ticked")
	b.checkBusy("#bulk-submit")
	assert.EqualValues(b.t, 200, b.submit("#bulk-submit"))
	assert.Contains(b.t, b.text("#bulk-summary"), fmt.Sprintf(b.say("%d done, %d refused"), len(clients), 0))
	assert.Len(b.t, b.all("#bulk-results tbody tr"), len(clients), "a row per ticked client")
	b.shot("bulk-result")
	for _, c := range clients {
		got, err := e.svc.GetClient(e.as(e.mgr), c.ID)
		require.NoError(b.t, err)
		assert.Equal(b.t, to.ID, *got.SalesContactID)
	}
}

// walkImport is the import step of the walk, as management: a file with a bad row is checked
// and refused with its problems listed; a good file is checked (writing nothing), then imported
// from the check's report. Each send says it is working, and each report counts the rows.
func (b *tab) walkImport(e *env) {
	b.t.Helper()
	dir := b.t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	email := b.opts.lang + "-" + b.vp.name + "@import.example"
	require.NoError(b.t, os.WriteFile(bad, []byte("email,first_name,last_name\n"+email+",New,Client\nnope,Bad,Row\n"), 0o600))
	require.NoError(b.t, os.WriteFile(good, []byte("email,first_name,last_name,company\n"+email+",Noé,Import,Import & Co\n"), 0o600))
	count := func() int {
		n, err := e.svc.CountClients(e.as(e.mgr), crm.ClientFilter{Email: email})
		require.NoError(b.t, err)
		return n
	}

	b.open("/admin/clients/import")
	b.shot("import")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}))
	b.checkBusy("#import-check")
	assert.EqualValues(b.t, 422, b.submit("#import-check"))
	assert.Contains(b.t, b.text("#import-summary"), b.sayf("%d rows: %d would be created, %d would be updated, %d unchanged, %d refused", 2, 1, 0, 0, 1))
	assert.Contains(b.t, b.text("#import-errors"), "email")
	b.shot("import-refused")
	assert.Zero(b.t, count(), "a check writes nothing")

	b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}))
	assert.EqualValues(b.t, 200, b.submit("#import-check"))
	assert.Contains(b.t, b.text("#import-summary"), b.sayf("%d rows: %d would be created, %d would be updated, %d unchanged, %d refused", 1, 1, 0, 0, 0))
	b.shot("import-checked")
	assert.Zero(b.t, count(), "a check writes nothing")
	b.checkBusy("#import-apply")
	assert.EqualValues(b.t, 200, b.submit("#import-apply"))
	assert.Contains(b.t, b.text("#import-summary"), b.sayf("%d rows: %d created, %d updated, %d unchanged, %d refused", 1, 1, 0, 0, 0))
	b.shot("import-done")
	assert.Equal(b.t, 1, count(), "the import wrote the row")
}
