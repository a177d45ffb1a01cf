// Package notify emails shoppers about their returns, and invitees their
// invitation to a store's admin (QueueInvitation). Shopper emails go out
// when a return is received (created), approved (with its label when it has one), refunded
// or credited (processed) and rejected (with the reason). An
// app.ChangeHook (OnReturnChange) enqueues one durable River job per
// return and kind in the change's transaction (unique by its args); the
// worker composes the email (plain text and HTML, from templates), saves
// it in the email outbox (one row per return and kind: the second
// dedupe) and, when SMTP is configured, sends it and marks it sent. A
// failed send is retried by River; the outbox row keeps the email either
// way, and the admin lists the outbox.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
	"github.com/riverqueue/river"
)

// Kinds of shopper emails.
const (
	KindReceived = "received"
	KindApproved = "approved"
	KindRefunded = "refunded"
	KindCredited = "credited"
	KindRejected = "rejected"
)

// Kinds returns the emails a change of r calls for, in the order they
// are sent: received on creation, approved when the return becomes open
// by approval (or is created open), refunded or credited when it is
// processed (credited when processing issued store credit and no refund),
// rejected when it is rejected.
func Kinds(r *returns.Return, changes []string) []string {
	var out []string
	has := func(k string) bool { return slices.Contains(changes, k) }
	if has(returns.TimelineCreated) {
		out = append(out, KindReceived)
	}
	if r.Status == returns.StatusOpen && (has(returns.TimelineApproved) || has(returns.TimelineCreated)) {
		out = append(out, KindApproved)
	}
	if has(returns.TimelineProcessed) {
		if r.Totals.StoreCredit > 0 && r.Totals.Refund == 0 {
			out = append(out, KindCredited)
		} else {
			out = append(out, KindRefunded)
		}
	}
	if has(returns.TimelineRejected) && r.Status == returns.StatusRejected {
		out = append(out, KindRejected)
	}
	return out
}

// OnReturnChange is the app.ChangeHook that enqueues the shopper emails a
// change calls for, in the change's transaction. Each job is unique by
// store, return and kind, completed jobs included: a return gets one email
// of each kind however often it goes through the step.
func OnReturnChange(ctx context.Context, tx store.Tx, r *returns.Return, changes []string) error {
	for _, k := range Kinds(r, changes) {
		if err := tx.Enqueue(ctx, jobs.ShopperEmailArgs{StoreID: r.StoreID, ReturnID: r.ID, Email: k},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return err
		}
	}
	return nil
}

// Message is one email to send.
type Message struct {
	To, Subject, Text, HTML string
}

// Mailer sends email (SMTP in production: NewSMTP).
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// Notifier composes and sends shopper emails.
type Notifier struct {
	Store store.Store
	// Mailer sends; nil keeps the emails in the outbox only.
	Mailer Mailer
	// StatusKey signs the portal's status links (Services.PortalKey).
	StatusKey []byte
	// PublicURL is the base of the links in the emails ("" gives paths).
	PublicURL string
	// RetryDelay, when positive, is the wait before retrying a failed send
	// (tests); 0 is River's default backoff.
	RetryDelay time.Duration
	// LabelWait is how long an approval email waits for the label the
	// policy's autoLabel buys (DefaultLabelWait when 0), looking again
	// every LabelPoll (DefaultLabelPoll when 0). Past it the email goes
	// without the label ("your label will arrive").
	LabelWait, LabelPoll time.Duration
	Logger               *slog.Logger
}

// Defaults of Notifier.LabelWait and LabelPoll: a label bought on approval
// takes a carrier call or two; a carrier that keeps failing does not hold
// the shopper's email back for long.
const (
	DefaultLabelWait = 5 * time.Minute
	DefaultLabelPoll = 5 * time.Second
)

// awaitingLabel reports whether the return's approval email should wait
// for a label: the return is open without one and its store's policy buys
// labels on approval.
func (n *Notifier) awaitingLabel(ctx context.Context, storeID, returnID string) (bool, error) {
	var wait bool
	err := n.Store.View(ctx, func(tx store.ReadTx) error {
		r, err := tx.GetReturn(ctx, storeID, returnID)
		if err != nil || r.Label != nil || r.Status != returns.StatusOpen {
			return err
		}
		p, err := tx.GetPolicy(ctx, storeID)
		if err != nil {
			return err
		}
		wait = p.AutoLabel != nil
		return nil
	})
	return wait, err
}

// AddWorkers registers the email workers with w: shopper emails and
// emails already in the outbox (invitations).
func AddWorkers(w *river.Workers, n *Notifier) {
	river.AddWorker(w, &Worker{N: n})
	river.AddWorker(w, &OutboxWorker{N: n})
}

// Worker sends one shopper email.
type Worker struct {
	river.WorkerDefaults[jobs.ShopperEmailArgs]
	N *Notifier
}

// NextRetry implements river.Worker.
func (w *Worker) NextRetry(*river.Job[jobs.ShopperEmailArgs]) time.Time { return w.N.nextRetry() }

// nextRetry is when a failed send is tried again: after RetryDelay when
// set, else (zero) at River's default backoff.
func (n *Notifier) nextRetry() time.Time {
	if n.RetryDelay > 0 {
		return time.Now().Add(n.RetryDelay)
	}
	return time.Time{}
}

// Work implements river.Worker.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.ShopperEmailArgs]) error {
	a := job.Args
	if a.Email == KindApproved {
		wait, poll := cmp.Or(w.N.LabelWait, DefaultLabelWait), cmp.Or(w.N.LabelPoll, DefaultLabelPoll)
		pending, err := w.N.awaitingLabel(ctx, a.StoreID, a.ReturnID)
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		if pending && time.Since(job.CreatedAt) < wait {
			return river.JobSnooze(poll)
		}
	}
	e, m, err := w.N.Compose(ctx, a.StoreID, a.ReturnID, a.Email)
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if e == nil {
		return river.JobCancel(fmt.Errorf("return %s: no shopper email address", a.ReturnID))
	}
	var saved *store.OutboxEmail
	if err := w.N.Store.Update(ctx, func(tx store.Tx) error {
		added, err := tx.AddOutboxEmail(ctx, e)
		if err != nil || added {
			saved = e
			return err
		}
		saved, err = tx.GetOutboxEmail(ctx, e.StoreID, e.ID)
		return err
	}); err != nil {
		return err
	}
	return w.N.deliver(ctx, saved, m.HTML, job.Attempt)
}

// deliver sends the outbox email e (with html as its HTML part, "" for
// none) when a Mailer is configured and it was not sent yet, then marks it
// sent. The outbox row is the email: a retry sends what was first
// composed. A failed send is logged (without the body) and returned, for
// River to retry.
func (n *Notifier) deliver(ctx context.Context, e *store.OutboxEmail, html string, attempt int) error {
	if e.SentAt != nil || n.Mailer == nil {
		return nil
	}
	if err := n.Mailer.Send(ctx, &Message{To: e.To, Subject: e.Subject, Text: e.Body, HTML: html}); err != nil {
		if n.Logger != nil {
			n.Logger.Warn("email not sent", slog.String("store", e.StoreID), slog.String("email", e.ID), slog.String("return", e.ReturnID),
				slog.String("user", e.UserID), slog.String("kind", e.Kind), slog.Int("attempt", attempt), slog.Any("error", err))
		}
		return fmt.Errorf("send %s email %s: %w", e.Kind, e.ID, err)
	}
	if err := n.Store.Update(ctx, func(tx store.Tx) error { return tx.MarkEmailSent(ctx, e.StoreID, e.ID) }); err != nil {
		return fmt.Errorf("mark email %s sent: %w", e.ID, err)
	}
	return nil
}

// OutboxWorker sends one email already in the outbox (OutboxEmailArgs).
type OutboxWorker struct {
	river.WorkerDefaults[jobs.OutboxEmailArgs]
	N *Notifier
}

// NextRetry implements river.Worker.
func (w *OutboxWorker) NextRetry(*river.Job[jobs.OutboxEmailArgs]) time.Time { return w.N.nextRetry() }

// Work implements river.Worker: an email no longer in the outbox is
// cancelled; a sent one, or any without a Mailer, is done.
func (w *OutboxWorker) Work(ctx context.Context, job *river.Job[jobs.OutboxEmailArgs]) error {
	a := job.Args
	e, err := store.Read(ctx, w.N.Store, func(tx store.ReadTx) (*store.OutboxEmail, error) { return tx.GetOutboxEmail(ctx, a.StoreID, a.EmailID) })
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("read outbox email %s: %w", a.EmailID, err)
	}
	return w.N.deliver(ctx, e, "", job.Attempt)
}

// EmailID is the outbox id of a return's email of a kind (deterministic,
// so a retried job finds the row it wrote).
func EmailID(storeID, returnID, kind string) string {
	h := sha256.Sum256([]byte(storeID + "\x00" + returnID + "\x00" + kind))
	return "em_" + hex.EncodeToString(h[:12])
}

//go:embed templates
var templatesFS embed.FS

var (
	textT = texttemplate.Must(texttemplate.New("").ParseFS(templatesFS, "templates/*.txt"))
	htmlT = htmltemplate.Must(htmltemplate.New("").ParseFS(templatesFS, "templates/*.html"))
)

// Data is what the templates see.
type Data struct {
	Kind      string
	StoreName string
	Name      string // the shopper's first name, or ""
	Order     string
	Items     []Item
	StatusURL string // "" when the store has no portal
	LabelURL  string
	Tracking  string
	TrackURL  string
	Reason    string // rejected: the store's reason
	Issued    []Line // refunds and store credit issued
	Notes     string // the store's notes to the shopper
	Subject   string
}

// Item is a returned item as the email lists it.
type Item struct {
	Title    string
	Quantity int
}

// Line is an amount issued.
type Line struct{ Label, Amount string }

var subjects = map[string]string{
	KindReceived: "We received your return request",
	KindApproved: "Your return is approved",
	KindRefunded: "Your refund is on its way",
	KindCredited: "Your store credit is ready",
	KindRejected: "About your return request",
}

// Compose builds the email of a kind for a return as it is now: the
// outbox row (Body is the plain text) and the message (with HTML). A nil
// row means the shopper has no email address.
func (n *Notifier) Compose(ctx context.Context, storeID, returnID, kind string) (*store.OutboxEmail, *Message, error) {
	subj, ok := subjects[kind]
	if !ok {
		return nil, nil, returns.Errorf(returns.ENOTFOUND, "no email kind %q", kind)
	}
	var (
		r  *returns.Return
		o  *returns.Order
		m  *returns.Merchant
		ps *store.PortalSettings
		tl []*returns.TimelineEvent
	)
	// Every email links to the status page: a store without a portal
	// handle gets one (portal.SetHandle).
	ps, err := portal.GetSettings(ctx, n.Store, storeID)
	if err != nil {
		return nil, nil, err
	}
	err = n.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if r, err = tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		if m, err = tx.GetStore(ctx, storeID); err != nil {
			return err
		}
		if r.OrderID != "" {
			os, err := tx.GetOrdersByID(ctx, storeID, []string{r.OrderID})
			if err != nil {
				return err
			}
			o = os[r.OrderID]
		}
		if kind == KindRejected {
			tl, err = tx.ListTimeline(ctx, storeID, returnID)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	to, first := r.Customer.Email, r.Customer.FirstName
	if o != nil && o.Customer.Email != "" {
		to = o.Customer.Email
		if first == "" {
			first = o.Customer.FirstName
		}
	}
	if to == "" {
		return nil, nil, nil
	}
	d := &Data{Kind: kind, StoreName: m.Name, Name: first, Order: r.OrderName, Notes: r.CustomerNotes}
	if d.Order == "" {
		d.Order = r.OrderExternalID
	}
	d.Subject = subj + " – " + m.Name
	for _, it := range r.Items {
		title := it.Title
		if title == "" {
			title = "Item"
		}
		d.Items = append(d.Items, Item{Title: title, Quantity: it.Quantity})
	}
	if ps != nil && ps.Handle != "" {
		d.StatusURL = strings.TrimRight(n.PublicURL, "/") + portal.Path + ps.Handle + "/returns/" + r.ID + "?t=" + portal.StatusToken(n.StatusKey, storeID, r.ID)
	}
	if l := r.Label; l != nil {
		d.Tracking, d.TrackURL = l.TrackingNumber, l.TrackingURL
		d.LabelURL = l.PostageLabelURL
		if d.LabelURL == "" {
			d.LabelURL = l.FormLabelURL
		}
		if strings.HasPrefix(d.LabelURL, "/") {
			d.LabelURL = strings.TrimRight(n.PublicURL, "/") + d.LabelURL
		}
	}
	for _, rf := range r.Refunds {
		d.Issued = append(d.Issued, Line{"Refund", money.Format(rf.Amount, rf.Currency) + " " + rf.Currency})
	}
	for _, g := range r.GiftCards {
		d.Issued = append(d.Issued, Line{"Store credit (code " + g.Code + ")", money.Format(g.Amount, g.Currency) + " " + g.Currency})
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Kind == returns.TimelineRejected {
			if tl[i].Message != "Return rejected." {
				d.Reason = tl[i].Message
			}
			break
		}
	}
	var tb, hb bytes.Buffer
	if err := textT.ExecuteTemplate(&tb, "email.txt", d); err != nil {
		return nil, nil, err
	}
	if err := htmlT.ExecuteTemplate(&hb, "email.html", d); err != nil {
		return nil, nil, err
	}
	e := &store.OutboxEmail{ID: EmailID(storeID, returnID, kind), StoreID: storeID, ReturnID: returnID, Kind: kind,
		To: to, Subject: d.Subject, Body: tb.String(), CreatedAt: time.Now()}
	return e, &Message{To: to, Subject: d.Subject, Text: tb.String(), HTML: hb.String()}, nil
}

// ErrNoSMTP is returned by ParseSMTPURL for an empty URL.
var ErrNoSMTP = errors.New("no SMTP URL")
