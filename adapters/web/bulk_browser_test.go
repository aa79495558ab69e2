package web_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// startTab serves e's app on a local port and opens a headless Chromium tab on it, for at most
// budget, in a window of width x height. Any JavaScript dialog fails the test (a stored payload ran) and is closed.
func startTab(t *testing.T, chromium string, e *env, prefix string, budget time.Duration, width, height int) (*tab, context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })

	ctx, cancel := context.WithTimeout(context.Background(), budget)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height))
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	b := &tab{t: t, ctx: bctx, base: "http://" + ln.Addr().String(), prefix: prefix, dir: artifactsDir(t)}

	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
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

// TestBrowserBulkAndImport ticks two clients in the list and reassigns them with the bulk form,
// then uploads a CSV file to the import page and checks it (the dry run), in headless Chromium.
func TestBrowserBulkAndImport(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	e := newEnvAt(t, sqlitetest.New(t), web.Config{}, nil, "")
	a := e.client(e.sales, "Ann", "Bulk", "Acme")
	c := e.client(e.sales, "Bob", "Bulk", "Acme")
	b, _ := startTab(t, chromium, e, "", 120*time.Second, 1440, 900)

	b.login(e.mgr.Username)
	b.open("/admin/clients")
	b.do(chromedp.Click(chromedp.CSS(`input[name="id"][value="`+itoa(a.ID)+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="id"][value="`+itoa(c.ID)+`"]`)))
	b.fill("bulk-action", "assign", "bulk-contact", itoa(e.sales2.ID))
	b.shot("20-bulk-ticked")
	assert.EqualValues(t, 200, b.submit("#bulk-submit"))
	assert.Contains(t, b.text("#bulk-summary"), "2 done, 0 refused")
	b.shot("21-bulk-result")
	for _, id := range []int64{a.ID, c.ID} {
		got, err := e.svc.GetClient(e.as(e.mgr), id)
		require.NoError(t, err)
		assert.Equal(t, e.sales2.ID, *got.SalesContactID)
	}

	file := filepath.Join(t.TempDir(), "clients.csv")
	require.NoError(t, os.WriteFile(file, []byte("email,first_name,last_name\nnew@x.example,New,Client\nnope,Bad,Row\n"), 0o600))
	b.open("/admin/clients/import")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	assert.EqualValues(t, 422, b.submit("#import-check"))
	assert.Contains(t, b.text("#import-summary"), "2 rows: 1 would be created")
	assert.Contains(t, b.text("#import-errors"), "email")
	b.shot("22-import-check")
	n, err := e.svc.CountClients(e.as(e.mgr), crm.ClientFilter{Email: "new@x.example"})
	require.NoError(t, err)
	assert.Zero(t, n, "a check writes nothing")
}
