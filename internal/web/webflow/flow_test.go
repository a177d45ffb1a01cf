package webflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/mailtest"
	"github.com/reboundhq/rebound/internal/notify"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/web/portal"
	"github.com/reboundhq/rebound/internal/web/webtest"
)

const (
	ecwidToken = "secret_flow_token"
	tracking   = "1Z999AA10123456784"
	labelURL   = "https://labels.example/1Z999AA10123456784.pdf"
)

// TestBrowserReturnStory is the story in Debian's chromium, on
// each backend, with a real SMTP server and the Ecwid fake: the shopper
// finds the seed order in the portal, returns one unit with a child
// reason and a photo, chooses store credit, submits twice (one return)
// and sees the status page; the "received" email arrives with the status
// link. A label is set through the API. The owner signs in to the admin,
// finds the return by its order name and by scanning its tracking number
// into the search box, approves it (Ecwid receives the mirror order, the
// shopper the "approved" email with the label link), processes it with a
// restock and an adjustment, and the shopper's status page then shows the
// store credit, as does the "credited" email. axe-core runs on every page
// visited: no serious or critical violation.
func TestBrowserReturnStory(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		mt := mailtest.New(t)
		mailer, err := notify.NewSMTP(notify.SMTPConfig{URL: mt.URL, From: "Acme Returns <returns@acme.test>"})
		if err != nil {
			t.Fatal(err)
		}
		box, err := secrets.New(bytes.Repeat([]byte{5}, 32))
		if err != nil {
			t.Fatal(err)
		}
		sv := server.NewServices(server.Options{Store: st, Secrets: box, Mailer: mailer,
			EcwidOptions: []ecwid.Option{ecwid.WithLimiter(nil), ecwid.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}})
		srv := httptest.NewServer(server.New(server.Config{Services: sv}))
		t.Cleanup(srv.Close)
		sv.SetPublicURL(srv.URL)
		s, k, err := sv.App.CreateStore(ctx, "Acme Apparel")
		if err != nil {
			t.Fatal(err)
		}
		api := func(method, path string, body []byte, want int) []byte {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+k.Secret)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != want {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
			return b
		}
		if _, err := portal.SetHandle(ctx, st, s.ID, "acme"); err != nil {
			t.Fatal(err)
		}
		policy, _ := json.Marshal(map[string]any{"policy": returns.Policy{AutoApprove: false, WindowFrom: returns.WindowFromOrder,
			Reasons: []returns.Reason{
				{Code: "fit", Label: "Size or fit", Children: []returns.Reason{{Code: "too_small", Label: "Too small"}}},
				{Code: "quality", Label: "Quality", Children: []returns.Reason{{Code: "damaged", Label: "Arrived damaged", RequiresPhoto: true}}},
			}}})
		api("PUT", "/v2.2/stores/"+s.ID+"/return-policy", policy, 200)
		api("POST", "/v2.2/stores/"+s.ID+"/custom/orders", examples.Order(), 200)
		fake := ecwidtest.NewServer(ecwidtest.WithToken(ecwidToken))
		t.Cleanup(fake.Close)
		if _, err := sv.Ecwid.Connect(ctx, s.ID, ecwidsync.ConnectInput{EcwidStoreID: fake.StoreID, AccessToken: ecwidToken, CustomerGroup: "Returns", APIBaseURL: fake.APIRoot()}); err != nil {
			t.Fatal(err)
		}
		us := &users.Service{Store: st}
		_, ownerPW, err := us.Create(ctx, s.ID, "owner@example.com", users.RoleOwner, "")
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(context.Background())
		if err := st.StartWorkers(wctx, sv.Workers(nil, nil)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, cc := context.WithTimeout(context.Background(), 5*time.Second)
			defer cc()
			_ = st.StopWorkers(c)
			cancel()
		})
		photo := filepath.Join(t.TempDir(), "shirt.png")
		if err := os.WriteFile(photo, pngPhoto(), 0o644); err != nil {
			t.Fatal(err)
		}

		bctx := webtest.Browser(t)
		do := func(acts ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			for i, a := range acts {
				actx, cc := context.WithTimeout(bctx, 30*time.Second)
				err := chromedp.Do(actx, a)
				cc()
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
		}
		text := func(sel string) string {
			t.Helper()
			v, err := chromedp.Run(bctx, chromedp.Text(sel))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		location := func() string {
			t.Helper()
			v, err := chromedp.Run(bctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		pages := 0
		check := func(page string, wants ...string) {
			t.Helper()
			got := text("main")
			for _, w := range wants {
				if !strings.Contains(got, w) {
					t.Fatalf("%s: page lacks %q:\n%s", page, w, got)
				}
			}
			vs, err := webtest.Axe(bctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("axe on %s: %s", page, v)
			}
			pages++
		}
		submit := func(sel string) {
			t.Helper()
			actx, cc := context.WithTimeout(bctx, 30*time.Second)
			defer cc()
			if _, err := chromedp.RunResponse(actx, chromedp.Click(sel)); err != nil {
				t.Fatalf("submit %s: %v", sel, err)
			}
		}
		mailTo := func(n int) []mailtest.Message { t.Helper(); return mt.Wait(t, n, 30*time.Second) }
		ret := func() *returns.Return {
			t.Helper()
			rs, err := store.Read(ctx, st, func(tx store.ReadTx) ([]*returns.Return, error) {
				return tx.ListReturns(ctx, s.ID, store.ReturnQuery{Limit: 10})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 {
				t.Fatalf("%d returns, want 1", len(rs))
			}
			return rs[0]
		}

		// ---- The shopper.
		do(chromedp.Navigate(srv.URL + "/portal/acme"))
		check("portal find", "Start a return")
		do(chromedp.SendKeys("#number", "order_123456"), chromedp.SendKeys("#email", "jane.doe@example.com"))
		submit("main button[type=submit]")
		check("portal items", "Classic T-Shirt")
		do(chromedp.SetValue("#qty-0", "1"), chromedp.SetValue("#reason-0", "damaged"),
			chromedp.SendKeys("#comment-0", "The seam came apart."), chromedp.SetUploadFiles("#photo-0", []string{photo}))
		submit("main button[type=submit]")
		check("portal options", "What would you like back?")
		do(chromedp.Click("#outcome-store_credit"))
		submit("main button[type=submit]")
		check("portal review", "Review your return", "Store credit", "Quality: Arrived damaged")
		key, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("input[name=key]").value`))
		if err != nil {
			t.Fatal(err)
		}
		submit("main form button[type=submit]")
		check("portal status (review)", "Your return", "We're reviewing your return")
		statusURL := location()
		again, err := chromedp.Run(bctx, chromedp.Evaluate[string](`fetch("/portal/acme/submit", {method: "POST",
			headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "key=`+key+`"}).then(r => r.url)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if again != statusURL {
			t.Errorf("second submit went to %s, want %s", again, statusURL)
		}
		r := ret() // one return after two submits
		if r.Compensation != returns.CompensationStoreCredit || r.Items[0].ReasonCode != "damaged" || len(r.Items[0].Images) != 1 || r.Status != returns.StatusNeedsReview {
			t.Fatalf("return: %s %s %+v", r.Status, r.Compensation, r.Items[0])
		}
		received := mailTo(1)[0]
		if received.To[0] != "jane.doe@example.com" || !strings.HasPrefix(received.Subject, "We received your return request") ||
			!strings.Contains(received.Text, statusURL) {
			t.Fatalf("received email: %v %q\n%s\n(status page %s)", received.To, received.Subject, received.Text, statusURL)
		}

		// A label bought elsewhere, set through the API.
		api("PUT", "/v2.2/returns/"+r.ID+"/label", []byte(`{"label":{"trackingNumber":"`+tracking+`","carrier":"UPS","postageLabelUrl":"`+labelURL+`"}}`), 200)

		// ---- The admin.
		do(chromedp.Navigate(srv.URL + "/admin/returns"))
		if !strings.Contains(location(), "/admin/signin") {
			t.Fatalf("not sent to sign in: %s", location())
		}
		check("admin sign in")
		do(chromedp.SendKeys(`input[id=email]`, "owner@example.com"), chromedp.SendKeys(`input[id=password]`, ownerPW),
			chromedp.Submit(`input[id=password]`), chromedp.WaitVisible(`input[id=q]`))
		check("admin queue", "order_123456")
		do(chromedp.SendKeys(`input[id=q]`, "order_123456\n"), chromedp.WaitVisible(`#h-items`))
		if !strings.HasSuffix(location(), "/admin/returns/"+r.ID) {
			t.Fatalf("search by order name opened %s", location())
		}
		check("admin return (by order name)", "Classic T-Shirt")
		do(chromedp.Navigate(srv.URL+"/admin/returns"), chromedp.WaitVisible(`input[id=q]`))
		if focused, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "q" {
			t.Fatalf("the search box is not focused (%q)", focused)
		}
		do(chromedp.KeyEvent(tracking), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#h-items`))
		if !strings.HasSuffix(location(), "/admin/returns/"+r.ID) {
			t.Fatalf("scanned tracking number opened %s", location())
		}
		check("admin return (scanned)", tracking)
		do(chromedp.Click(`form[action$="/status"] input[value=approve] ~ button`), chromedp.WaitVisible(`.flash`))
		if got := ret(); got.Status != returns.StatusOpen {
			t.Fatalf("after approve: %s", got.Status)
		}
		waitFor(t, "the Ecwid mirror order", func() bool { return ret().EcwidOrderID != "" })
		n := 0
		c := ecwid.New(fake.StoreID, ecwidToken, ecwid.WithBaseURL(fake.APIRoot()), ecwid.WithLimiter(nil))
		for o, err := range c.Orders.All(ctx, &ecwid.OrderFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(o.OrderComments, r.ID) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d Ecwid orders for the return, want 1", n)
		}
		approved := find(mailTo(2), "Your return is approved")
		if len(approved) != 1 || !strings.Contains(approved[0].Text, labelURL) || !strings.Contains(approved[0].Text, statusURL) {
			t.Fatalf("approved email: %+v", approved)
		}

		item := r.Items[0].ID
		do(chromedp.Reload(), chromedp.WaitVisible(`#h-process`))
		check("admin return (open)")
		do(chromedp.SetValue(`#decision-`+item, "restock"), chromedp.SendKeys(`#adjustment-`+item, "33.00"),
			chromedp.Submit(`#adjustment-`+item), chromedp.WaitVisible(`#preview-refund`))
		check("admin process preview", "Confirm processing", "33.00")
		do(chromedp.Click(`form[action$="/process"] button`), chromedp.WaitVisible(`.flash`))
		got := ret()
		if got.Status != returns.StatusComplete || len(got.GiftCards) != 1 || got.GiftCards[0].Amount != 3300 || !got.Items[0].Restock {
			t.Fatalf("after processing: %s %+v restock %v", got.Status, got.GiftCards, got.Items[0].Restock)
		}
		check("admin return (complete)", "Store credit of 33.00 USD issued")
		credited := find(mailTo(3), "Your store credit is ready")
		if len(credited) != 1 || !strings.Contains(credited[0].Text, got.GiftCards[0].Code) || !strings.Contains(credited[0].Text, "33.00 USD") {
			t.Fatalf("credited email: %+v", credited)
		}

		// ---- The shopper's status page, from the email's link.
		u, err := url.Parse(statusURL)
		if err != nil {
			t.Fatal(err)
		}
		do(chromedp.Navigate(srv.URL + u.RequestURI()))
		check("portal status (complete)", "Complete", "Store credit, code "+got.GiftCards[0].Code, "33.00 USD")
		if len(mt.Messages()) != 3 {
			t.Errorf("%d emails, want 3: %v", len(mt.Messages()), mt.Messages())
		}
		if pages < 12 {
			t.Errorf("axe ran on %d pages", pages)
		}
	})
}

func find(ms []mailtest.Message, subject string) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range ms {
		if strings.HasPrefix(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func pngPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{200, uint8(x * 30), 40, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
