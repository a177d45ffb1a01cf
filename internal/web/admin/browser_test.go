package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/web/webtest"
)

// browser drives one chromium (internal/web/webtest) for a test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser { return &browser{t: t, ctx: webtest.Browser(t)} }

// run runs the steps in order, each within 30 s so that a missing element
// fails the test by name instead of hanging it.
func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for i, a := range steps {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		err := chromedp.Do(ctx, a)
		cancel()
		if err != nil {
			b.t.Fatalf("step %d: %v", i, err)
		}
	}
}

func value[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func (b *browser) location() string { return value(b, chromedp.Location()) }

func (b *browser) text(sel string) string { return value(b, chromedp.Text(sel)) }

// checkA11y runs axe-core on the page and fails on serious or critical
// violations.
func (b *browser) checkA11y(page string) {
	b.t.Helper()
	vs, err := webtest.Axe(b.ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, v := range vs {
		b.t.Errorf("axe on %s: %s", page, v)
	}
}

// TestBrowserAdmin drives Debian's chromium through the admin on each
// backend: an owner signs in, finds the return by its order name and by its
// tracking number typed into the focused search box as a scanner types it
// (then Enter), approves it (the Ecwid fake receives the mirror order),
// processes it with a restock and an adjustment through the preview, and
// the return ends complete with the refund recorded; axe-core finds no
// serious or critical violation on any admin page; an agent sees no
// settings link and gets 403 there. Screenshots of the queue and the return
// page are written to $REBOUND_SCREENSHOTS when it is set.
func TestBrowserAdmin(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		b := newBrowser(t)
		base := e.srv.URL
		b.run(chromedp.Navigate(base + "/admin/returns"))
		if !strings.Contains(b.location(), "/admin/signin") {
			t.Fatalf("not sent to sign in: %s", b.location())
		}
		b.checkA11y("sign in")
		b.run(chromedp.SendKeys(`input[id=email]`, "owner@example.com"),
			chromedp.SendKeys(`input[id=password]`, "not the password"),
			chromedp.Submit(`input[id=password]`), chromedp.WaitVisible(`.error-summary`))
		if s := b.text(".error-summary"); !strings.Contains(s, "not right") {
			t.Fatalf("wrong password message: %q", s)
		}
		b.run(chromedp.SendKeys(`input[id=password]`, e.owner),
			chromedp.Submit(`input[id=password]`), chromedp.WaitVisible(`input[id=q]`))
		b.checkA11y("queue")
		screenshot(t, b, "admin-queue.png")

		// Find by order name.
		b.run(chromedp.SendKeys(`input[id=q]`, "order_123456\n"), chromedp.WaitVisible(`#h-items`))
		if !strings.HasSuffix(b.location(), "/admin/returns/"+e.returnID) {
			t.Fatalf("search by order name opened %s", b.location())
		}
		// A scanner types into the focused search box and ends with Enter.
		b.run(chromedp.Navigate(base+"/admin/returns"), chromedp.WaitVisible(`input[id=q]`))
		if focused := value(b, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "q" {
			t.Fatalf("the search box is not focused (%q)", focused)
		}
		b.run(chromedp.KeyEvent(e.tracking), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#h-items`))
		if !strings.HasSuffix(b.location(), "/admin/returns/"+e.returnID) {
			t.Fatalf("scanned tracking number opened %s", b.location())
		}
		b.checkA11y("return (needs review)")
		screenshot(t, b, "admin-return.png")

		// Approve.
		b.run(chromedp.Click(`form[action$="/status"] input[value=approve] ~ button`), chromedp.WaitVisible(`.flash`))
		if e.ret().Status != returns.StatusOpen {
			t.Fatalf("after approve: %s", e.ret().Status)
		}
		waitFor(t, "the Ecwid mirror order", func() bool { return e.ret().EcwidOrderID != "" })
		if n := e.ecwidOrders(); n != 1 {
			t.Fatalf("%d Ecwid orders", n)
		}
		// Process: restock with an adjustment, preview, confirm.
		item := e.ret().Items[0].ID
		b.run(chromedp.Reload(), chromedp.WaitVisible(`#h-process`))
		b.checkA11y("return (open)")
		b.run(chromedp.SetValue(`#decision-`+item, "restock"),
			chromedp.SendKeys(`#adjustment-`+item, "45.00"),
			chromedp.Submit(`#adjustment-`+item), chromedp.WaitVisible(`#preview-refund`))
		if s := b.text("#preview-refund"); s != "45.00 USD" {
			t.Fatalf("preview refund %q", s)
		}
		b.checkA11y("process preview")
		if e.ret().Status != returns.StatusOpen {
			t.Fatal("the preview wrote")
		}
		b.run(chromedp.Click(`form[action$="/process"] button`), chromedp.WaitVisible(`.flash`))
		got := e.ret()
		if got.Status != returns.StatusComplete || len(got.Refunds) != 1 || got.Refunds[0].Amount != 4500 || !got.Items[0].Restock {
			t.Fatalf("after processing: %s %+v", got.Status, got.Refunds)
		}
		if s := b.text("main"); !strings.Contains(s, "Refund of 45.00 USD issued") {
			t.Errorf("the page does not show the refund")
		}
		b.checkA11y("return (complete)")
		// The label page with rates (the built-in carrier, a destination).
		table, err := os.ReadFile("../../shipping/ratetable/testdata/example.json")
		if err != nil {
			t.Fatal(err)
		}
		e.api("PUT", "/v2.2/stores/"+e.storeID+"/shipping/rate-table", table, 200)
		e.api("PUT", "/v2.2/stores/"+e.storeID+"/destinations", []byte(`{"default":"east","destinations":[{"id":"east","name":"Acme East","address":{"line1":"1 Dock Rd","city":"Newark","state":"NJ","postalCode":"07102","country":"US"}}],"rules":[]}`), 200)
		for _, p := range []string{"/admin/settings/policy", "/admin/settings/integrations", "/admin/settings/webhooks", "/admin/settings/keys", "/admin/settings/users", "/admin/returns?tab=complete"} {
			b.run(chromedp.Navigate(base+p), chromedp.WaitVisible(`main`))
			b.checkA11y(p)
		}
		b.run(chromedp.Navigate(base+"/admin/returns/"+e.returnID+"/label"), chromedp.WaitReady(`input[name=rate]`))
		b.checkA11y("return label")
		// Replacing the label: the confirmation page, then the new label.
		b.run(chromedp.Click(`form[action$="/label"][method="post"] button`), chromedp.WaitReady(`input[name=confirm]`))
		if h := b.text("main h1"); h != "Replace the label?" {
			t.Errorf("confirmation page: %q", h)
		}
		b.checkA11y("replace the label")
		b.run(chromedp.Click(`form[action$="/label"] button`), chromedp.WaitVisible(`.flash`))
		if l := e.ret().Label; l == nil || !strings.HasPrefix(l.TrackingNumber, "RB") {
			t.Errorf("label after the replacement: %+v", l)
		}

		// An agent: no settings link, 403 on settings.
		b.run(chromedp.Click(`nav.admin form button`), chromedp.WaitVisible(`input[id=email]`),
			chromedp.SendKeys(`input[id=email]`, "agent@example.com"),
			chromedp.SendKeys(`input[id=password]`, e.agent),
			chromedp.Submit(`input[id=password]`), chromedp.WaitVisible(`input[id=q]`))
		if links := value(b, chromedp.Evaluate[int](`document.querySelectorAll('a[href^="/admin/settings"]').length`)); links != 0 {
			t.Errorf("the agent sees %d settings links", links)
		}
		b.run(chromedp.Navigate(base+"/admin/settings/keys"), chromedp.WaitVisible(`main h1`))
		if h := b.text("main h1"); h != "Forbidden" {
			t.Errorf("agent on settings: %q", h)
		}
		b.checkA11y("403")
	})
}

// screenshot writes the page to $REBOUND_SCREENSHOTS/name when set.
func screenshot(t *testing.T, b *browser, name string) {
	dir := os.Getenv("REBOUND_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := webtest.Screenshot(b.ctx, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
