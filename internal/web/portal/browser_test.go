package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/web/webtest"
)

// TestBrowserShopperReturn is a shopper in Debian's chromium: finds the
// seed order, returns one unit with a child reason and a photo, chooses
// store credit, submits twice (one return) and reads the status page; a
// wrong email and an oversized request are refused on the page. axe-core
// checks every page (no serious or critical violation). With
// REBOUND_SCREENSHOTS=dir the steps are saved as PNGs there (docs/images).
func TestBrowserShopperReturn(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := webtest.Browser(t)
		// A merchant-listed exchange variant, so that axe sees the exchange
		// choice too.
		if err := st.Update(t.Context(), func(tx store.Tx) error {
			ps, err := tx.GetPortalSettings(t.Context(), e.storeID)
			if err != nil {
				return err
			}
			ps.ExchangeVariants = map[string][]store.ExchangeVariant{"prod_456": {{VariantID: "var_790", SKU: "TEE-BLK-L", Title: "Black / Large", Price: "31.99"}}}
			return tx.PutPortalSettings(t.Context(), ps)
		}); err != nil {
			t.Fatal(err)
		}
		shots := os.Getenv("REBOUND_SCREENSHOTS")
		photo := filepath.Join(t.TempDir(), "shirt.png")
		if err := os.WriteFile(photo, []byte(pngPhoto()), 0o644); err != nil {
			t.Fatal(err)
		}
		notPhoto := filepath.Join(t.TempDir(), "notes.txt")
		if err := os.WriteFile(notPhoto, []byte("just text"), 0o644); err != nil {
			t.Fatal(err)
		}

		check := func(name string) {
			t.Helper()
			html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
			if err != nil {
				t.Fatal(err)
			}
			if len(html) > 100<<10 {
				t.Errorf("%s: %d bytes of HTML, over 100 KB", name, len(html))
			}
			vs, err := webtest.Axe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("%s: accessibility: %s", name, v)
			}
			if shots != "" && st.Dialect() == "sqlite" {
				if err := webtest.Screenshot(ctx, filepath.Join(shots, "portal-"+name+".png")); err != nil {
					t.Fatal(err)
				}
			}
		}
		text := func() string {
			s, err := chromedp.Run(ctx, chromedp.Text("main"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		expect := func(what string, wants ...string) {
			t.Helper()
			got := text()
			for _, w := range wants {
				if !strings.Contains(got, w) {
					t.Fatalf("%s: page lacks %q:\n%s", what, w, got)
				}
			}
		}
		submit := func(sel string) {
			t.Helper()
			if _, err := chromedp.RunResponse(ctx, chromedp.Click(sel)); err != nil {
				t.Fatalf("submit %s: %v", sel, err)
			}
		}
		do := func(acts ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			for i, a := range acts {
				// A bound on each step, so a missing element fails the
				// test by name instead of hanging it.
				actx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := chromedp.Do(actx, a)
				cancel()
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
		}

		do(chromedp.Navigate(e.srv.URL + "/portal/acme"))
		expect("find", "Start a return", "Order number")
		check("1-find")

		do(chromedp.SendKeys("#number", "order_123456"), chromedp.SendKeys("#email", "wrong@example.com"))
		submit("main button[type=submit]")
		expect("wrong email", "We couldn't find an order with these details")
		check("1-find-error")

		do(chromedp.SetValue("#email", "jane.doe@example.com"))
		submit("main button[type=submit]")
		expect("items", "Classic T-Shirt", "Black / Medium", "You can return up to 2.")
		check("2-items")

		// htmx enhances the quantity: the summary follows it.
		do(chromedp.SetValue("#qty-0", "1"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#qty-0").dispatchEvent(new Event("change", {bubbles: true}))`))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#selection-summary").textContent.includes("1 item selected")`)); err != nil {
			t.Fatalf("htmx summary: %v", err)
		}

		// Not a photo: refused on the page.
		do(chromedp.SetValue("#reason-0", "damaged"), chromedp.SetUploadFiles("#photo-0", []string{notPhoto}))
		submit("main button[type=submit]")
		expect("not a photo", "is not a photo")
		check("2-items-error")

		do(chromedp.SetValue("#qty-0", "1"), chromedp.SetValue("#reason-0", "damaged"), chromedp.SetValue("#q-0-0", "No"),
			chromedp.SendKeys("#comment-0", "The seam came apart."), chromedp.SetUploadFiles("#photo-0", []string{photo}))
		submit("main button[type=submit]")
		expect("options", "What would you like back?", "10% bonus", "Black / Large – 31.99 USD (you pay 2.00 USD more)")
		do(chromedp.Click("#outcome-store_credit"))
		check("3-options")
		submit("main button[type=submit]")
		expect("review", "Review your return", "Store credit", "29.99 USD", "Quality: Arrived damaged")
		check("4-review")

		key, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("input[name=key]").value`))
		if err != nil {
			t.Fatal(err)
		}
		submit("main form button[type=submit]")
		expect("status", "Your return", "Approved: send your items back", "Your label will arrive")
		check("5-status")
		statusURL, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		// The second submit (the browser sending the review form again, as a
		// double click or a resubmitting reload does) makes no second return.
		again, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/portal/acme/submit", {method: "POST",
			headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "key=`+key+`"}).then(r => r.url)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if again != statusURL {
			t.Errorf("second submit went to %s, want %s", again, statusURL)
		}
		if rs := e.returns(); len(rs) != 1 {
			t.Fatalf("%d returns after two submits, want 1", len(rs))
		} else if rs[0].Items[0].ReasonCode != "damaged" || len(rs[0].Items[0].Images) != 1 {
			t.Fatalf("return: %+v", rs[0].Items[0])
		}

		// Keyboard: Tab from the top reaches the skip link first, and focus
		// is visible (an outline).
		do(chromedp.Navigate(e.srv.URL+"/portal/acme"), chromedp.KeyEvent("\t"))
		focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className + "|" + getComputedStyle(document.activeElement).outlineStyle`))
		if err != nil {
			t.Fatal(err)
		}
		if focus != "skip|solid" {
			t.Errorf("first Tab focuses %q, want the skip link with a solid outline", focus)
		}
	})
}
