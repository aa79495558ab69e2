package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// The client type-ahead of the new contract form (typeahead.go), as the browser walk uses it
// (TestBrowserBusinessProcess): the sales user finds their client by typing part of a name, and
// again with script turned off through the Find button. In both, the search of a sales user
// finds their own clients and never another sales user's, even one whose name matches too.

// clientChoices returns the client choices of the new contract form, id to label, without the
// first ("Choose a client…") one.
func (b *tab) clientChoices() map[int64]string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll("#f-client_id option")).filter(o => o.value).map(o => [o.value, o.textContent])`))
	require.NoError(b.t, err)
	out := map[int64]string{}
	for _, o := range v {
		id, err := strconv.ParseInt(o[0], 10, 64)
		require.NoError(b.t, err, "the client choice %q", o[0])
		out[id] = o[1]
	}
	return out
}

// checkChoices checks that the client field offers exactly the clients want, and not foreign.
func (b *tab) checkChoices(foreign *crm.Client, want ...*crm.Client) {
	b.t.Helper()
	got := b.clientChoices()
	assert.NotContains(b.t, got, foreign.ID, "a sales user is never offered another sales user's client")
	for _, label := range got {
		assert.NotContains(b.t, label, foreign.LastName, "a sales user is never offered another sales user's client")
	}
	assert.Len(b.t, got, len(want), "the choices %v", got)
	for _, c := range want {
		assert.Contains(b.t, got[c.ID], c.FullName(), "the choices %v", got)
	}
}

// walkClientTypeahead creates a contract for mine by the type-ahead search of the new contract
// form: typing q shows a status at once, then lists the matches of the user's scope (mine and
// alsoMine, never foreign) and counts them; choosing mine fills the client field, and the form
// creates the contract. It returns the contract's address.
func (b *tab) walkClientTypeahead(q string, mine, alsoMine, foreign *crm.Client) string {
	b.t.Helper()
	b.open("/admin/contracts/new")
	b.do(chromedp.Focus(chromedp.CSS("#client-q")), chromedp.SendKeys(chromedp.CSS("#client-q"), q))
	many := strings.ReplaceAll(b.say("%s clients match: choose one in the client field below."), "%s", "2")
	require.Equal(b.t, many, b.waitText("[data-suggest-status]", many), "the status under the search counts the matches")
	b.checkChoices(foreign, mine, alsoMine)
	b.shot("contract-client-typeahead")

	b.do(chromedp.SetValue(chromedp.CSS("#f-client_id"), itoa(mine.ID)))
	b.fill("f-amount", "12500.00", "f-amount_due", "4000.00", "f-payment_due", "2027-05-31")
	assert.EqualValues(b.t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(b.t, b.text(".flash"), b.say("The contract was created."))
	assert.Contains(b.t, b.text("main"), mine.FullName(), "the contract is the chosen client's")

	// A search that finds nothing says so, and one match is chosen at once.
	url := b.location()
	b.open("/admin/contracts/new")
	loading, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => {
		const input = document.querySelector("#client-q");
		input.value = "zzqx";
		input.dispatchEvent(new Event("input"));
		return document.querySelector("[data-suggest-status]").textContent;
	})()`))
	require.NoError(b.t, err)
	assert.Equal(b.t, b.say("Loading…"), loading, "the status says at once that the search is under way")
	none := strings.ReplaceAll(b.say("No client matches %s"), "%s", "zzqx")
	assert.Equal(b.t, none, b.waitText("[data-suggest-status]", none))
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#client-q").value = ""`), chromedp.SendKeys(chromedp.CSS("#client-q"), alsoMine.FirstName))
	one := b.say("1 client matches: it is now chosen in the client field below.")
	assert.Equal(b.t, one, b.waitText("[data-suggest-status]", one))
	assert.Equal(b.t, itoa(alsoMine.ID), b.value("#f-client_id"), "the one match is chosen")
	return url
}

// walkClientSearchWithoutScript creates a contract for mine with script turned off: the Find
// button reloads the form with the matches of q in the user's scope (never foreign) as the
// choices of the client field, and the form creates the contract.
func (b *tab) walkClientSearchWithoutScript(q string, mine, alsoMine, foreign *crm.Client) {
	b.t.Helper()
	noScript := func(off bool) {
		b.t.Helper()
		_, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		require.NoError(b.t, err)
	}
	noScript(true)
	defer noScript(false)
	b.open("/admin/contracts/new")
	b.fill("client-q", q)
	assert.EqualValues(b.t, 200, b.submit(`form.client-search button[type=submit]`))
	assert.Equal(b.t, q, b.value("#client-q"), "the search stays in its field")
	b.checkChoices(foreign, mine, alsoMine)
	b.fill("f-client_id", itoa(mine.ID), "f-amount", "900.00")
	assert.EqualValues(b.t, 200, b.submit(`form.form-card[method=post] button[type=submit]`))
	assert.Contains(b.t, b.text(".flash"), b.say("The contract was created."))
	assert.Contains(b.t, b.text("main"), mine.FullName(), "the contract is the chosen client's")
}

// value returns the value of the form field sel.
func (b *tab) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(b.css(sel))))
	require.NoError(b.t, err)
	return v
}

// waitText waits until the text of the element sel is want, for at most ten seconds, and
// returns the text it has then (for the caller's assertion to say what it got).
func (b *tab) waitText(sel, want string) string {
	b.t.Helper()
	q, err := json.Marshal(b.css(sel))
	require.NoError(b.t, err)
	w, err := json.Marshal(want)
	require.NoError(b.t, err)
	expr := fmt.Sprintf(`(document.querySelector(%s) || {}).textContent`, q)
	_, err = chromedp.Run(b.ctx, chromedp.Poll[bool](expr+" === "+string(w), chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil && !errors.Is(err, chromedp.ErrPollingTimeout) {
		require.NoError(b.t, err)
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr+` || ""`))
	require.NoError(b.t, err)
	return got
}
