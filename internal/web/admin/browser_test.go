package admin_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/reboundhq/rebound/internal/npmtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// axe-core, pinned: fetched with npm pack and checked against its integrity.
const (
	axeSpec      = "axe-core@4.10.3"
	axeIntegrity = "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
)

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: apt-get install -y chromium (browser tests must run under CI)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

func axeSource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tgz, err := npmtest.Pack(ctx, dir, "axe-core", "", axeSpec)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	b, err := os.ReadFile(tgz["axe-core"])
	if err != nil {
		t.Fatal(err)
	}
	if err := npmtest.VerifyIntegrity(b, axeIntegrity); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(tgz["axe-core"])
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("axe.min.js not in the tarball: %v", err)
		}
		if h.Name == "package/axe.min.js" {
			src, _ := io.ReadAll(tr)
			return string(src)
		}
	}
}

type browser struct {
	t   *testing.T
	ctx context.Context
	axe string
}

func newBrowser(t *testing.T, axe string) *browser {
	exe := chromium(t)
	// A fresh profile, removed after chromium exits (t.TempDir's check
	// races with chromium's last writes).
	profile, err := os.MkdirTemp("", "rebound-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		_ = os.RemoveAll(profile)
	})
	return &browser{t: t, ctx: ctx, axe: axe}
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) location() string {
	var s string
	b.run(chromedp.Location(&s))
	return s
}

func (b *browser) text(sel string) string {
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// checkA11y injects axe-core into the page and fails on serious or
// critical violations.
func (b *browser) checkA11y(page string) {
	b.t.Helper()
	var out string
	script := b.axe + `
;(async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']'));
})()`
	b.run(chromedp.Evaluate(script, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if out != "[]" {
		b.t.Errorf("axe on %s: %s", page, out)
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
	chromium(t)
	axe := axeSource(t)
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		b := newBrowser(t, axe)
		base := e.srv.URL
		b.run(chromedp.Navigate(base + "/admin/returns"))
		if !strings.Contains(b.location(), "/admin/signin") {
			t.Fatalf("not sent to sign in: %s", b.location())
		}
		b.checkA11y("sign in")
		b.run(chromedp.SendKeys(`input[id=email]`, "owner@example.com", chromedp.ByQuery),
			chromedp.SendKeys(`input[id=password]`, "not the password", chromedp.ByQuery),
			chromedp.Submit(`input[id=password]`, chromedp.ByQuery), chromedp.WaitVisible(`.error-summary`, chromedp.ByQuery))
		if s := b.text(".error-summary"); !strings.Contains(s, "not right") {
			t.Fatalf("wrong password message: %q", s)
		}
		b.run(chromedp.SendKeys(`input[id=password]`, e.owner, chromedp.ByQuery),
			chromedp.Submit(`input[id=password]`, chromedp.ByQuery), chromedp.WaitVisible(`input[id=q]`, chromedp.ByQuery))
		b.checkA11y("queue")
		screenshot(t, b, "admin-queue.png")

		// Find by order name.
		b.run(chromedp.SendKeys(`input[id=q]`, "order_123456\n", chromedp.ByQuery), chromedp.WaitVisible(`#h-items`, chromedp.ByQuery))
		if !strings.HasSuffix(b.location(), "/admin/returns/"+e.returnID) {
			t.Fatalf("search by order name opened %s", b.location())
		}
		// A scanner types into the focused search box and ends with Enter.
		b.run(chromedp.Navigate(base+"/admin/returns"), chromedp.WaitVisible(`input[id=q]`, chromedp.ByQuery))
		var focused string
		b.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
		if focused != "q" {
			t.Fatalf("the search box is not focused (%q)", focused)
		}
		b.run(chromedp.ActionFunc(func(ctx context.Context) error {
			for _, r := range e.tracking {
				if err := input.InsertText(string(r)).Do(ctx); err != nil {
					return err
				}
			}
			return nil
		}), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#h-items`, chromedp.ByQuery))
		if !strings.HasSuffix(b.location(), "/admin/returns/"+e.returnID) {
			t.Fatalf("scanned tracking number opened %s", b.location())
		}
		b.checkA11y("return (needs review)")
		screenshot(t, b, "admin-return.png")

		// Approve.
		b.run(chromedp.Click(`form[action$="/status"] input[value=approve] ~ button`, chromedp.ByQuery), chromedp.WaitVisible(`.flash`, chromedp.ByQuery))
		if e.ret().Status != returns.StatusOpen {
			t.Fatalf("after approve: %s", e.ret().Status)
		}
		waitFor(t, "the Ecwid mirror order", func() bool { return e.ret().EcwidOrderID != "" })
		if n := e.ecwidOrders(); n != 1 {
			t.Fatalf("%d Ecwid orders", n)
		}
		// Process: restock with an adjustment, preview, confirm.
		item := e.ret().Items[0].ID
		b.run(chromedp.Reload(), chromedp.WaitVisible(`#h-process`, chromedp.ByQuery))
		b.checkA11y("return (open)")
		b.run(chromedp.SetValue(`#decision-`+item, "restock", chromedp.ByQuery),
			chromedp.SendKeys(`#adjustment-`+item, "45.00", chromedp.ByQuery),
			chromedp.Submit(`#adjustment-`+item, chromedp.ByQuery), chromedp.WaitVisible(`#preview-refund`, chromedp.ByQuery))
		if s := b.text("#preview-refund"); s != "45.00 USD" {
			t.Fatalf("preview refund %q", s)
		}
		b.checkA11y("process preview")
		if e.ret().Status != returns.StatusOpen {
			t.Fatal("the preview wrote")
		}
		b.run(chromedp.Click(`form[action$="/process"] button`, chromedp.ByQuery), chromedp.WaitVisible(`.flash`, chromedp.ByQuery))
		got := e.ret()
		if got.Status != returns.StatusComplete || len(got.Refunds) != 1 || got.Refunds[0].Amount != 4500 || !got.Items[0].Restock {
			t.Fatalf("after processing: %s %+v", got.Status, got.Refunds)
		}
		if s := b.text("main"); !strings.Contains(s, "Refund of 45.00 USD issued") {
			t.Errorf("the page does not show the refund")
		}
		b.checkA11y("return (complete)")
		for _, p := range []string{"/admin/settings/policy", "/admin/settings/integrations", "/admin/settings/webhooks", "/admin/settings/keys", "/admin/settings/users", "/admin/returns?tab=complete"} {
			b.run(chromedp.Navigate(base+p), chromedp.WaitVisible(`main`, chromedp.ByQuery))
			b.checkA11y(p)
		}

		// An agent: no settings link, 403 on settings.
		b.run(chromedp.Click(`nav.admin form button`, chromedp.ByQuery), chromedp.WaitVisible(`input[id=email]`, chromedp.ByQuery),
			chromedp.SendKeys(`input[id=email]`, "agent@example.com", chromedp.ByQuery),
			chromedp.SendKeys(`input[id=password]`, e.agent, chromedp.ByQuery),
			chromedp.Submit(`input[id=password]`, chromedp.ByQuery), chromedp.WaitVisible(`input[id=q]`, chromedp.ByQuery))
		var links int
		b.run(chromedp.Evaluate(`document.querySelectorAll('a[href^="/admin/settings"]').length`, &links))
		if links != 0 {
			t.Errorf("the agent sees %d settings links", links)
		}
		b.run(chromedp.Navigate(base+"/admin/settings/keys"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery))
		if h := b.text("main h1"); h != "Forbidden" {
			t.Errorf("agent on settings: %q", h)
		}
		b.checkA11y("403")
	})
}

func screenshot(t *testing.T, b *browser, name string) {
	dir := os.Getenv("REBOUND_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 90))
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		// FullScreenshot gives JPEG below quality 100.
		b.run(chromedp.FullScreenshot(&png, 100))
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "screenshot", name)
}
