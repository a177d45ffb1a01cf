package admin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/mailtest"
	"github.com/reboundhq/rebound/internal/notify"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// TestAdminRefundidConnect connects Refundid from Settings → Integrations
// on each backend, with the Refundid fake's merchant API: bad input is told
// next to its field and writes nothing; a good form shows the bearer token
// once (it then authenticates Refundid's calls) and the endpoints; a key
// the fake refuses is told by its field; an agent gets 403.
func TestAdminRefundidConnect(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		fake := refundidtest.Start(refundidtest.Config{})
		t.Cleanup(fake.Close)
		c := e.client()
		c.signIn("owner@example.com", e.owner)
		page := "/admin/settings/integrations"
		r := c.get(page)
		mustContain(t, r, `for="refundid-shop">Refundid shop id<`, `name="bearerToken" value="generate" checked`, "Connect Refundid",
			`for="refundid-merchantApiKey">`, "rapi.refundid.com")
		stored := func() *returns.RefundidIntegration {
			in, err := store.Read(ctx, st, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
				return tx.GetRefundidIntegration(ctx, e.storeID)
			})
			if returns.IsNotFound(err) {
				return nil
			}
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		good := url.Values{"shop": {"acme.example"}, "environment": {"production"}, "bearerToken": {"generate"}}
		for _, bad := range []struct {
			set  url.Values
			want string
		}{
			{url.Values{"shop": {""}}, `<input type="text" id="refundid-shop" name="shop" value="" autocomplete="off" aria-invalid="true">`},
			{url.Values{"shop": {"has space"}}, "Refundid&#39;s shop id"},
			{url.Values{"environment": {"staging"}}, `ust be &#34;production&#34; or &#34;sandbox&#34;`},
			{url.Values{"bearerToken": {""}}, "Refundid&#39;s calls must carry a secret"},
			{url.Values{"bearerToken": {"keep"}}, "here is no bearer token to keep"},
			{url.Values{"allowedIps": {"10.0.0.0/8\nnot-an-ip"}}, "ust be an IP address or CIDR prefix"},
			{url.Values{"portalUrl": {"ftp://x"}}, "absolute http or https URL"},
			{url.Values{"headerName": {"X-Key"}}, "ust not be empty"},
			{url.Values{"merchantApiKey": {"nope-wrong-key"}, "apiUrl": {fake.URL()}}, "Refundid refused the key"},
		} {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			for k, v := range bad.set {
				f[k] = v
			}
			r := c.post(page+"/refundid", f)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, bad.want) {
				t.Errorf("%v: %d, want 422 with %q", bad.set, r.status, bad.want)
			}
			if strings.Contains(r.body, "nope-wrong-key") {
				t.Error("the merchant API key was echoed back")
			}
			if in := stored(); in != nil {
				t.Fatalf("%v wrote %+v", bad.set, in)
			}
		}
		// The field's message sits by its field.
		r = c.post(page+"/refundid", url.Values{"shop": {"acme.example"}, "bearerToken": {"generate"}, "allowedIps": {"nope"}})
		if i := strings.Index(r.body, `id="refundid-allowedIps"`); i < 0 || !strings.Contains(r.body[i:min(i+300, len(r.body))], "ust be an IP address") {
			t.Errorf("allowedIps error not by its field (%d)", i)
		}

		// Connected: the token shown once, hashed in the store.
		f := url.Values{"shop": {"acme.example"}, "environment": {"sandbox"}, "bearerToken": {"generate"}, "allowedIps": {"127.0.0.1\n10.0.0.0/8"},
			"merchantApiKey": {refundidtest.DefaultAPIKey}, "apiUrl": {fake.URL()}, "portalUrl": {fake.URL()}}
		r = c.post(page+"/refundid", f)
		if r.status != 200 {
			t.Fatalf("connect: %d %s", r.status, r.body)
		}
		m := regexp.MustCompile(`id="refundid-token">(rfd_[A-Za-z0-9_-]+)<`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no token shown:\n%.4000s", r.body)
		}
		tok := m[1]
		in := stored()
		if in == nil || in.Shop != "acme.example" || in.Environment != "sandbox" || !bytes.Equal(in.BearerHash, refundid.HashSecret(tok)) ||
			in.APIKeySealed == "" || len(in.AllowedIPs) != 2 || in.APIURL != fake.URL() {
			t.Fatalf("stored: %+v", in)
		}
		mustContain(t, r, "Refundid connected.", "/integrations/refundid/"+in.URLToken+"/order", `name="bearerToken" value="keep" checked`,
			`name="keepMerchantApiKey" checked`)
		if strings.Contains(r.body, refundidtest.DefaultAPIKey) {
			t.Error("the merchant API key is shown")
		}
		if r := c.get(page); strings.Contains(r.body, tok) || !strings.Contains(r.body, "shop <strong>acme.example</strong>") {
			t.Errorf("the token is shown again, or the connection is not: %d", r.status)
		}
		// The token authenticates Refundid's calls; another does not.
		call := func(bearer string) int {
			req, _ := http.NewRequest("GET", e.srv.URL+"/integrations/refundid/"+in.URLToken+"/order?merchant_order_ref=order_123456", nil)
			req.Header.Set("Authorization", "Bearer "+bearer)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := call(tok); got == http.StatusUnauthorized {
			t.Errorf("the shown token is refused: %d", got)
		}
		if got := call("rfd_wrong"); got != http.StatusUnauthorized {
			t.Errorf("a wrong token: %d", got)
		}

		// Saved again keeping the token and the key: the same hash.
		r = c.post(page+"/refundid", url.Values{"shop": {"acme.example"}, "environment": {"sandbox"}, "bearerToken": {"keep"}, "keepMerchantApiKey": {"on"},
			"apiUrl": {fake.URL()}})
		if r.status != 200 || strings.Contains(r.body, `id="refundid-token"`) {
			t.Fatalf("save keeping: %d", r.status)
		}
		if in2 := stored(); !bytes.Equal(in2.BearerHash, in.BearerHash) || in2.APIKeySealed != in.APIKeySealed || len(in2.AllowedIPs) != 0 {
			t.Errorf("kept: %+v", in2)
		}

		// An agent: 403, nothing changed.
		a := e.client()
		a.signIn("agent@example.com", e.agent)
		if r := a.post(page+"/refundid", good); r.status != http.StatusForbidden {
			t.Errorf("agent connect: %d", r.status)
		}
		if in3 := stored(); !bytes.Equal(in3.BearerHash, in.BearerHash) {
			t.Error("the agent's form changed the connection")
		}
	})
}

var inviteLink = regexp.MustCompile(`id="invite-url">(http://[^<]+/admin/invite/[a-z0-9]+)<`)

// invite invites email as role from Settings → Users and returns the link
// shown.
func invite(t *testing.T, c *client, email, role string) string {
	t.Helper()
	r := c.post("/admin/settings/users", url.Values{"email": {email}, "role": {role}})
	m := inviteLink.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("invite %s: %d %.3000s", email, r.status, r.body)
	}
	mustContain(t, r, "Invitation created and emailed to "+strings.ToLower(email))
	return m[1]
}

// TestAdminInvitationEmails: an invitation is emailed to the invitee
// through the real SMTP server of internal/mailtest (the link in it works)
// and marked sent; without SMTP it waits in the outbox the Emails page
// lists; a refused invitation writes no email. Both backends.
func TestAdminInvitationEmails(t *testing.T) {
	ctx := context.Background()
	outbox := func(t *testing.T, e *env) []*store.OutboxEmail {
		t.Helper()
		es, err := store.Read(ctx, e.st, func(tx store.ReadTx) ([]*store.OutboxEmail, error) { return tx.ListOutboxEmails(ctx, e.storeID, 0) })
		if err != nil {
			t.Fatal(err)
		}
		var out []*store.OutboxEmail
		for _, em := range es {
			if em.Kind == notify.KindInvitation {
				out = append(out, em)
			}
		}
		return out
	}

	t.Run("smtp", func(t *testing.T) {
		storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
			mt := mailtest.New(t)
			m, err := notify.NewSMTP(notify.SMTPConfig{URL: mt.URL, From: "Rebound <admin@rebound.test>"})
			if err != nil {
				t.Fatal(err)
			}
			e := newEnvMail(t, st, m)
			c := e.client()
			c.signIn("owner@example.com", e.owner)
			link := invite(t, c, "New.Agent@Example.com", "agent")
			var got []mailtest.Message
			waitFor(t, "the invitation email", func() bool {
				got = nil
				for _, msg := range mt.Messages() {
					if len(msg.To) == 1 && msg.To[0] == "new.agent@example.com" {
						got = append(got, msg)
					}
				}
				return len(got) > 0
			})
			msg := got[0]
			if msg.Subject != "You are invited to Acme Outdoor's returns" || !strings.Contains(msg.Text, link) ||
				!strings.Contains(msg.Text, "owner@example.com invited you") || !strings.Contains(msg.Text, "as agent") || !strings.Contains(msg.Text, "7 days") {
				t.Fatalf("invitation email: %q\n%s", msg.Subject, msg.Text)
			}
			waitFor(t, "the invitation marked sent", func() bool {
				es := outbox(t, e)
				return len(es) == 1 && es[0].SentAt != nil
			})
			if es := outbox(t, e); es[0].To != "new.agent@example.com" || es[0].UserID == "" || es[0].ReturnID != "" {
				t.Errorf("outbox row: %+v", es[0])
			}
			// The emailed link works: the invitee chooses a password and signs in.
			path := strings.TrimPrefix(link, e.srv.URL)
			inv := e.client()
			if r := inv.get(path); r.status != 200 {
				t.Fatalf("invitation link: %d", r.status)
			}
			if r := inv.post(path, url.Values{"password": {"a long new password"}}); r.status != http.StatusSeeOther {
				t.Fatalf("accept: %d %s", r.status, r.body)
			}
			inv.signIn("new.agent@example.com", "a long new password")
			// One email per invitation: nothing more arrives.
			time.Sleep(300 * time.Millisecond)
			n := 0
			for _, msg := range mt.Messages() {
				if msg.Subject == "You are invited to Acme Outdoor's returns" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d invitation emails", n)
			}
		})
	})

	t.Run("outbox", func(t *testing.T) {
		storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
			e := newEnv(t, st)
			c := e.client()
			c.signIn("owner@example.com", e.owner)
			link := invite(t, c, "dock@example.com", "warehouse")
			es := outbox(t, e)
			if len(es) != 1 || es[0].To != "dock@example.com" || es[0].SentAt != nil || !strings.Contains(es[0].Body, link) || !strings.Contains(es[0].Body, "as warehouse") {
				t.Fatalf("outbox: %+v", es)
			}
			r := c.get("/admin/settings/emails")
			mustContain(t, r, "dock@example.com", "You are invited to Acme Outdoor&#39;s returns", "invitation (user)", "not sent (outbox)", link)
			// Refused invitations (a taken email, a bad one): no email.
			for _, bad := range []string{"dock@example.com", "not an email"} {
				if r := c.post("/admin/settings/users", url.Values{"email": {bad}, "role": {"agent"}}); r.status != http.StatusUnprocessableEntity {
					t.Errorf("invite %q: %d", bad, r.status)
				}
			}
			// A second invitee gets an email of their own.
			invite(t, c, "second@example.com", "agent")
			if es := outbox(t, e); len(es) != 2 {
				t.Errorf("%d invitation emails after two invitations", len(es))
			}
		})
	})
}
