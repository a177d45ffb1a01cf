package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// FilesPath is where uploaded files (comment and item images) are served,
// followed by the blob id.
const FilesPath = "/files/"

// Event kinds of returns (for webhook fan-out); their payload is a
// returns.ReturnChange.
const (
	EventReturnCreated = returns.EventReturnCreated
	EventReturnUpdated = returns.EventReturnUpdated
)

// ReturnRequest is a new return as an API client asks for it (Redo's
// create-return request, plus Rebound's extensions).
type ReturnRequest struct {
	// Provider is the platform the client names (Redo's data.provider, any
	// value: "custom", "shopify", ...). The order is found by
	// ExternalOrderID whatever it says; the return's Provider is the
	// order's platform (returns.ProviderCustom).
	Provider        string
	ExternalOrderID string
	Type            returns.ReturnType
	Items           []ReturnItemRequest
	ShippingAddress returns.Address
	// Customer overrides the order's customer as the returner (fields left
	// empty are taken from the order).
	Customer returns.Returner
	Label    *returns.Label
	Notes    string
	// Exchange lists the new items of an exchange; prices are decimal
	// strings in the order's currency.
	Exchange []ExchangeItemRequest
	// Status asks for pre_shipment instead of the policy's initial status.
	PreShipment bool
	// CreateExternalRMAs asks for the return's RMA in every connected
	// integration before CreateReturn answers (Redo's
	// options.createExternalRMAs); see RMACreator.
	CreateExternalRMAs bool
}

// ReturnItemRequest is one requested item.
type ReturnItemRequest struct {
	LineItemID   string
	Quantity     int
	Reason       string
	ReasonCode   string
	Compensation returns.Compensation
	Notes        string
	Questions    []returns.Question
	// Images are the shopper's photos: uploads saved with the return, or
	// URLs kept as given.
	Images []Upload
}

// ExchangeItemRequest is one new item asked for in exchange.
type ExchangeItemRequest struct {
	ProductID, VariantID, SKU, Title string
	Quantity                         int
	Price                            string
}

// Upload is a file given inline (Data, ContentType sniffed by the caller)
// or by URL.
type Upload struct {
	URL         string
	ContentType string
	Data        []byte
}

// Idempotency identifies a create request: the client's Idempotency-Key and
// a hash of the request body.
type Idempotency struct {
	Key  string
	Hash string
}

// ReturnResult is a return with its order (nil for imported returns).
type ReturnResult struct {
	Return *returns.Return
	Order  *returns.Order
	// Created is false when an idempotent replay returned an existing
	// return.
	Created bool
	// ExternalRMAs has one entry per connected integration when the request
	// asked for external RMAs (empty, not nil, when none is connected); nil
	// otherwise.
	ExternalRMAs []RMAResult
}

// RMACreator creates returns' RMAs in one external integration, for Redo's
// options.createExternalRMAs. An integration registers one with
// AddRMACreator; CreateReturn calls it, so the core imports no integration.
type RMACreator interface {
	// PrepareRMA runs in the transaction that creates r, before the change
	// is recorded (so before the change hooks run), when the client asked
	// for external RMAs. It makes the RMA's creation durable, so that it
	// happens even if CreateRMA never runs (a crash after the commit),
	// without creating it before CreateRMA had its chance (e.g. a delayed
	// job that finds the RMA made). An error aborts the creation. It does
	// nothing for a store that does not use the integration.
	PrepareRMA(ctx context.Context, tx store.Tx, r *returns.Return) error
	// CreateRMA runs after that transaction committed: it creates r's RMA,
	// at most once per return however often it is called, and says how it
	// went. ok is false when r's store does not use the integration (the
	// answer then has no entry for it). On an idempotent replay (replay
	// true) it creates nothing and reports the RMA as it stands. The
	// context is not cancelled when the client goes away; CreateRMA bounds
	// its own time.
	CreateRMA(ctx context.Context, r *returns.Return, replay bool) (res RMAResult, ok bool)
}

// RMAResult is how one integration's RMA went: an entry of Redo's
// externalRMAResponses.
type RMAResult struct {
	Provider   string // the integration, e.g. "ecwid"
	ExternalID string // the RMA's id in the integration, on success
	// ErrorCode and ErrorMessage say why it failed; both "" on success.
	ErrorCode, ErrorMessage string
}

// Success reports whether the RMA exists.
func (r RMAResult) Success() bool { return r.ErrorCode == "" && r.ErrorMessage == "" }

// AddRMACreator registers an integration's RMACreator. Register creators
// before serving: the list is not locked.
func (a *App) AddRMACreator(c RMACreator) { a.rmas = append(a.rmas, c) }

// CreateReturn creates a return for one of the store's orders, in one
// transaction: it locks the order, checks the policy (window, final sale,
// reasons) and the units other returns hold, values the items, chooses the
// initial status from the policy, and records the return, its timeline and
// its event.
//
// With an idempotency key that was used before, it returns the return that
// key created (Created false) when the request hash matches, and an
// EUNPROCESSABLE error when it does not. Errors: ENOTFOUND when the order is
// unknown; EINVALID naming the field for bad input or an item that cannot
// be returned (the message is the shopper's reason); ECONFLICT when the
// units are held by other returns (e.g. a concurrent return took the last
// unit).
//
// With req.CreateExternalRMAs, once the return is committed it creates the
// return's RMA in every connected integration (the registered
// RMACreators) and reports each in ExternalRMAs; a failed RMA does not undo
// the return. A replay reports the RMAs as they stand and creates none.
func (a *App) CreateReturn(ctx context.Context, actor returns.Actor, storeID string, req *ReturnRequest, idem Idempotency) (*ReturnResult, error) {
	if err := validateReturnRequest(req); err != nil {
		return nil, err
	}
	var res *ReturnResult
	// A concurrent request with the same key may commit its key first: the
	// loser's PutIdempotencyKey conflicts and rolls back, and the second
	// attempt finds the key and answers as a replay.
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = a.Store.Update(ctx, func(tx store.Tx) error { return a.createReturnTx(ctx, tx, actor, storeID, req, idem, &res) })
		if !errors.Is(err, errIdempotencyRace) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create return: %w", err)
	}
	if req.CreateExternalRMAs {
		if err := a.createRMAs(ctx, res); err != nil {
			return nil, fmt.Errorf("create return: %w", err)
		}
	}
	return res, nil
}

// createRMAs asks every RMACreator for res's RMA and, when one may have
// changed the return (an RMA recorded on it), reads the return again.
func (a *App) createRMAs(ctx context.Context, res *ReturnResult) error {
	ctx = context.WithoutCancel(ctx)
	res.ExternalRMAs = []RMAResult{}
	for _, c := range a.rmas {
		if r, ok := c.CreateRMA(ctx, res.Return, !res.Created); ok {
			res.ExternalRMAs = append(res.ExternalRMAs, r)
		}
	}
	if len(res.ExternalRMAs) == 0 || !res.Created {
		return nil
	}
	return a.Store.View(ctx, func(tx store.ReadTx) error {
		r, err := tx.GetReturn(ctx, res.Return.StoreID, res.Return.ID)
		if err == nil {
			res.Return = r
		}
		return err
	})
}

// errIdempotencyRace marks a create that lost the race for its
// Idempotency-Key to a concurrent one.
var errIdempotencyRace = &returns.Error{Code: returns.ECONFLICT, Message: "a concurrent request with the same Idempotency-Key is being processed; retry"}

func (a *App) createReturnTx(ctx context.Context, tx store.Tx, actor returns.Actor, storeID string, req *ReturnRequest, idem Idempotency, out **ReturnResult) error {
	var res *ReturnResult
	defer func() { *out = res }()
	if idem.Key != "" {
		hash, id, err := tx.GetIdempotencyKey(ctx, storeID, "create:"+idem.Key)
		switch {
		case err == nil && hash != idem.Hash:
			return &returns.Error{Code: returns.EUNPROCESSABLE, Field: "Idempotency-Key",
				Message: "this Idempotency-Key was already used with a different request body"}
		case err == nil:
			r, err := tx.GetReturn(ctx, storeID, id)
			if err != nil {
				return err
			}
			o, err := orderOf(ctx, tx, r)
			if err != nil {
				return err
			}
			res = &ReturnResult{Return: r, Order: o}
			return nil
		case !returns.IsNotFound(err):
			return err
		}
	}
	found, err := tx.GetOrder(ctx, storeID, req.ExternalOrderID)
	if returns.IsNotFound(err) {
		return &returns.Error{Code: returns.ENOTFOUND, Field: "data.externalOrderId", Message: fmt.Sprintf("order %q not found", req.ExternalOrderID)}
	}
	if err != nil {
		return err
	}
	o, err := tx.LockOrder(ctx, storeID, found.ID)
	if err != nil {
		return err
	}
	r, err := a.newReturn(ctx, tx, actor, storeID, o, req)
	if err != nil {
		return err
	}
	if idem.Key != "" {
		if err := tx.PutIdempotencyKey(ctx, storeID, "create:"+idem.Key, idem.Hash, r.ID); err != nil {
			if returns.ErrorCode(err) == returns.ECONFLICT {
				return errIdempotencyRace
			}
			return err
		}
	}
	res = &ReturnResult{Return: r, Order: o, Created: true}
	return nil
}

func validateReturnRequest(req *ReturnRequest) error {
	var errs []error
	add := func(field, msg string) { errs = append(errs, returns.Invalid(field, msg)) }
	if strings.TrimSpace(req.ExternalOrderID) == "" {
		add("data.externalOrderId", "must not be empty")
	}
	switch req.Type {
	case "", returns.TypeReturn, returns.TypeClaim, returns.TypeWarranty:
	default:
		add("data.type", fmt.Sprintf("unknown return type %q; expected return, claim or warranty", req.Type))
	}
	if len(req.Items) == 0 {
		add("data.items", "a return needs at least one item")
	}
	exchange := false
	for i, it := range req.Items {
		f := fmt.Sprintf("data.items[%d]", i)
		if strings.TrimSpace(it.LineItemID) == "" {
			add(f+".lineItemId", "must not be empty")
		}
		if it.Quantity < 1 {
			add(f+".quantity", "must be at least 1")
		}
		if !it.Compensation.Valid() {
			add(f+".compensation", fmt.Sprintf("unknown compensation %q; expected refund, store_credit or exchange", it.Compensation))
		}
		exchange = exchange || it.Compensation == returns.CompensationExchange
		for j, q := range it.Questions {
			if strings.TrimSpace(q.Question) == "" || strings.TrimSpace(q.Answer) == "" {
				add(fmt.Sprintf("%s.multipleChoiceQuestions[%d]", f, j), "question and answer must not be empty")
			}
		}
	}
	switch {
	case exchange && len(req.Exchange) == 0:
		add("data.exchange.items", "items with compensation exchange need exchange items")
	case !exchange && len(req.Exchange) > 0:
		add("data.exchange", "exchange items need at least one item with compensation exchange")
	}
	for i, ei := range req.Exchange {
		f := fmt.Sprintf("data.exchange.items[%d]", i)
		if strings.TrimSpace(ei.Title) == "" && ei.VariantID == "" && ei.SKU == "" {
			add(f, "needs a title, variantId or sku")
		}
		if ei.Quantity < 1 {
			add(f+".quantity", "must be at least 1")
		}
		if money.CheckDecimal(ei.Price) != nil {
			add(f+".price", "must be a decimal amount such as \"12.50\"")
		}
	}
	a := req.ShippingAddress
	for _, c := range []struct{ field, v string }{{"line1", a.Address1}, {"city", a.City}, {"country", a.CountryCode}} {
		if strings.TrimSpace(c.v) == "" {
			add("data.shippingAddress."+c.field, "must not be empty")
		}
	}
	if req.Label != nil && strings.TrimSpace(req.Label.TrackingNumber) == "" {
		add("data.label.trackingNumber", "must not be empty")
	}
	return errors.Join(errs...)
}

// newReturn builds, checks and saves a return for the locked order o.
func (a *App) newReturn(ctx context.Context, tx store.Tx, actor returns.Actor, storeID string, o *returns.Order, req *ReturnRequest) (*returns.Return, error) {
	now := tx.Now()
	policy, err := tx.GetPolicy(ctx, storeID)
	if err != nil {
		return nil, err
	}
	others, err := returnsOf(ctx, tx, storeID, o.ID)
	if err != nil {
		return nil, err
	}
	want := map[string]int{}
	for i, it := range req.Items {
		want[it.LineItemID] += it.Quantity
		if err := policy.CheckReason(it.ReasonCode); err != nil {
			return nil, returns.PrefixField(err, fmt.Sprintf("data.items[%d].", i))
		}
	}
	held := returns.HeldBy(others, "")
	if err := returns.CheckRequest(o, policy, held, now, want); err != nil {
		if returns.CheckRequest(o, policy, nil, now, want) == nil {
			// Only the units other returns hold are in the way.
			return nil, &returns.Error{Code: returns.ECONFLICT, Field: "data." + fieldOf(err), Message: returns.ErrorMessage(err)}
		}
		return nil, returns.PrefixField(err, "data.")
	}

	cust := req.Customer
	if cust.Email == "" {
		cust.Email = o.Customer.Email
	}
	if cust.FirstName == "" && cust.LastName == "" {
		cust.FirstName, cust.LastName = o.Customer.FirstName, o.Customer.LastName
	}
	if cust.Phone == "" {
		cust.Phone = o.Customer.Phone
	}
	lines := map[string]*returns.OrderLine{}
	for i := range o.Lines {
		lines[o.Lines[i].ID] = &o.Lines[i]
	}
	comp := req.Items[0].Compensation
	r := returns.Return{
		StoreID: storeID, OrderID: o.ID, Compensation: comp,
		ReturnDetail: returns.ReturnDetail{
			Type: req.Type, Provider: returns.ProviderCustom, OrderExternalID: o.ExternalID, OrderName: o.Name,
			Customer: cust, ShippingAddress: req.ShippingAddress, Label: req.Label, Notes: req.Notes,
			CreatedByName: actor.Name,
		},
	}
	if r.Type == "" {
		r.Type = returns.TypeReturn
	}
	var reasonCodes []string
	for _, it := range req.Items {
		l := lines[it.LineItemID]
		item := returns.ReturnItem{
			OrderLineID: it.LineItemID, Quantity: it.Quantity, Reason: it.Reason, ReasonCode: it.ReasonCode,
			CustomerComment: it.Notes,
			ItemDetail: returns.ItemDetail{
				ProductID: l.ProductID, VariantID: l.VariantID, SKU: l.SKU, Title: l.Title,
				Compensation: it.Compensation, Questions: it.Questions,
			},
		}
		if item.Reason == "" && it.ReasonCode != "" {
			if rs, _, ok := policy.FindReason(it.ReasonCode); ok {
				item.Reason = rs.Label
			}
		}
		if it.ReasonCode != "" {
			reasonCodes = append(reasonCodes, it.ReasonCode)
		}
		for _, img := range it.Images {
			u, err := a.saveUpload(ctx, tx, storeID, img)
			if err != nil {
				return nil, err
			}
			item.Images = append(item.Images, u)
		}
		r.Items = append(r.Items, item)
	}
	if len(req.Exchange) > 0 {
		r.Exchange = &returns.Exchange{}
		for i, ei := range req.Exchange {
			p, err := money.ParseAmount(ei.Price, o.ShopCurrency)
			if err != nil {
				return nil, returns.Invalid(fmt.Sprintf("data.exchange.items[%d].price", i), err.Error())
			}
			r.Exchange.Items = append(r.Exchange.Items, returns.ExchangeItem{ID: returns.NewID(now), ProductID: ei.ProductID,
				VariantID: ei.VariantID, SKU: ei.SKU, Title: ei.Title, Quantity: ei.Quantity, Price: p})
		}
	}
	// Value the items first: the review rules look at what the return is
	// worth.
	r.ID = returns.NewID(now)
	for i := range r.Items {
		r.Items[i].ID = returns.NewID(now)
	}
	if err := returns.ValueItems(o, &r, others); err != nil {
		return nil, err
	}
	var value int64
	for _, it := range r.Items {
		value += it.Value.Total
	}
	r.Status = policy.InitialStatus(returns.Money{Minor: value, Currency: o.ShopCurrency}, reasonCodes, o.Customer.Tags)
	if req.PreShipment {
		r.Status = returns.StatusPreShipment
	}
	created, ev, err := returns.CreateReturn(r, actor, now)
	if err != nil {
		return nil, err
	}
	if err := returns.ComputeTotals(o, policy, &created, others); err != nil {
		return nil, err
	}
	ev.Data = map[string]any{"status": created.Status, "items": len(created.Items)}
	if err := tx.CreateReturn(ctx, &created); err != nil {
		return nil, err
	}
	if req.CreateExternalRMAs {
		for _, c := range a.rmas {
			if err := c.PrepareRMA(ctx, tx, &created); err != nil {
				return nil, err
			}
		}
	}
	if err := a.RecordChange(ctx, tx, &created, EventReturnCreated, ev); err != nil {
		return nil, err
	}
	return &created, nil
}

func fieldOf(err error) string {
	var e *returns.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// returnsOf returns the order's returns as values.
func returnsOf(ctx context.Context, tx store.ReadTx, storeID, orderID string) ([]returns.Return, error) {
	rs, err := tx.ReturnsForOrder(ctx, storeID, orderID)
	if err != nil {
		return nil, err
	}
	out := make([]returns.Return, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out, nil
}

// orderOf returns r's order, or nil when r has none or it was deleted.
func orderOf(ctx context.Context, tx store.ReadTx, r *returns.Return) (*returns.Order, error) {
	if r.OrderID == "" {
		return nil, nil
	}
	m, err := tx.GetOrdersByID(ctx, r.StoreID, []string{r.OrderID})
	if err != nil {
		return nil, err
	}
	return m[r.OrderID], nil
}

// saveUpload stores an inline upload as a blob and returns its URL, or
// returns a URL upload as it is.
func (a *App) saveUpload(ctx context.Context, tx store.Tx, storeID string, u Upload) (string, error) {
	if u.Data == nil {
		return u.URL, nil
	}
	b := &returns.Blob{ID: newBlobID(), StoreID: storeID, ContentType: u.ContentType, Data: u.Data, CreatedAt: tx.Now()}
	if err := tx.PutBlob(ctx, b); err != nil {
		return "", err
	}
	return a.FileURL(b.ID), nil
}

// FileURL is the URL an uploaded file is served at.
func (a *App) FileURL(id string) string {
	return strings.TrimRight(a.PublicURL, "/") + FilesPath + id
}

// newBlobID returns 128 random bits as 32 hex digits: a capability, since
// files are served to whoever has the URL.
func newBlobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b[:])
}

// GetFile returns an uploaded file by id, or ENOTFOUND.
func (a *App) GetFile(ctx context.Context, id string) (*returns.Blob, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.Blob, error) { return tx.GetBlob(ctx, id) })
}

// GetReturn returns the store's return with its order (nil when the return
// has none or the order was deleted); ENOTFOUND when the store has no such
// return.
func (a *App) GetReturn(ctx context.Context, storeID, id string) (*ReturnResult, error) {
	var res *ReturnResult
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		r, err := tx.GetReturn(ctx, storeID, id)
		if err != nil {
			return err
		}
		o, err := orderOf(ctx, tx, r)
		res = &ReturnResult{Return: r, Order: o}
		return err
	})
	return res, err
}

// ReturnPage is a page of returns with their orders.
type ReturnPage struct {
	Returns []*returns.Return
	Orders  map[string]*returns.Order // by Rebound order id
	// Next is the cursor of the next page; "" on the last page.
	Next string
}

// ListReturns returns a page of the store's returns, newest first, and the
// orders they belong to. q.Before is the cursor from the previous page's
// Next.
func (a *App) ListReturns(ctx context.Context, storeID string, q store.ReturnQuery) (*ReturnPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	q.Limit = limit + 1
	page := &ReturnPage{}
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		rs, err := tx.ListReturns(ctx, storeID, q)
		if err != nil {
			return err
		}
		if len(rs) > limit {
			rs = rs[:limit]
			page.Next = rs[limit-1].ID
		}
		page.Returns = rs
		ids := make([]string, 0, len(rs))
		seen := map[string]bool{}
		for _, r := range rs {
			if r.OrderID != "" && !seen[r.OrderID] {
				seen[r.OrderID] = true
				ids = append(ids, r.OrderID)
			}
		}
		page.Orders, err = tx.GetOrdersByID(ctx, storeID, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list returns: %w", err)
	}
	return page, nil
}

// changeReturn loads the store's return in a write transaction, lets fn
// change it, and when fn reports a change saves it with the events fn
// returns. ENOTFOUND when the store has no such return.
func (a *App) changeReturn(ctx context.Context, storeID, id string, fn func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error)) (*ReturnResult, error) {
	var out *ReturnResult
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, id)
		if err != nil {
			return err
		}
		evs, err := fn(tx, r)
		if err != nil {
			return err
		}
		o, err := orderOf(ctx, tx, r)
		if err != nil {
			return err
		}
		out = &ReturnResult{Return: r, Order: o}
		if len(evs) == 0 {
			return nil
		}
		if err := tx.UpdateReturn(ctx, r); err != nil {
			return err
		}
		return a.RecordChange(ctx, tx, r, EventReturnUpdated, evs...)
	})
	return out, err
}

// SetReturnStatus implements Redo's status update (see returns.SetStatus):
// complete, open (approve, reopen, unflag), flagged, rejected, deleted.
// Reopening checks, with the order locked, that the return's units are
// still free and gives its items their slots back. Setting the current
// status changes nothing. Errors: ENOTFOUND, EINVALID for a status that
// cannot be set, ECONFLICT (a *returns.TransitionError) for a transition
// the lifecycle does not allow or units taken meanwhile.
func (a *App) SetReturnStatus(ctx context.Context, actor returns.Actor, storeID, id string, status returns.Status, why string) (*ReturnResult, error) {
	r, err := a.changeReturn(ctx, storeID, id, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		reopen := status == returns.StatusOpen && (r.Status == returns.StatusComplete || r.Status == returns.StatusRejected)
		ev, changed, err := r.SetStatus(status, actor, tx.Now(), why)
		if err != nil || !changed {
			return nil, err
		}
		if reopen && r.OrderID != "" {
			o, err := tx.LockOrder(ctx, storeID, r.OrderID)
			if err != nil && !returns.IsNotFound(err) {
				return nil, err
			}
			if o != nil {
				others, err := returnsOf(ctx, tx, storeID, r.OrderID)
				if err != nil {
					return nil, err
				}
				if err := returns.CheckQuantities(o, returns.HeldBy(others, r.ID), r.Quantities()); err != nil {
					return nil, &returns.Error{Code: returns.ECONFLICT, Field: fieldOf(err), Message: "the return cannot be reopened: " + returns.ErrorMessage(err)}
				}
				if err := returns.ValueItems(o, r, others); err != nil {
					return nil, err
				}
			}
		}
		return []returns.TimelineEvent{ev}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("set return status: %w", err)
	}
	return r, nil
}

// Comment is a new comment: a message, or an image upload.
type Comment struct {
	Message string
	Image   *Upload
}

// AddComment posts a comment on the store's return and notes it on the
// timeline. ENOTFOUND when the store has no such return.
func (a *App) AddComment(ctx context.Context, actor returns.Actor, storeID, returnID string, in Comment) (*returns.Comment, error) {
	var c *returns.Comment
	_, err := a.changeReturn(ctx, storeID, returnID, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		now := tx.Now()
		c = &returns.Comment{ID: returns.NewID(now), StoreID: storeID, ReturnID: r.ID, Message: in.Message, Actor: actor, CreatedAt: now}
		msg := "Comment: " + in.Message
		if in.Image != nil {
			u, err := a.saveUpload(ctx, tx, storeID, *in.Image)
			if err != nil {
				return nil, err
			}
			c.ImageURL = u
			msg = "Image added."
		}
		if err := tx.AddComment(ctx, c); err != nil {
			return nil, err
		}
		r.UpdatedAt = now
		data := map[string]any{"commentId": c.ID}
		if c.ImageURL != "" {
			data["imageUrl"] = c.ImageURL
		}
		return []returns.TimelineEvent{returns.Note(r, returns.TimelineCommented, actor, now, msg, data)}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("add comment: %w", err)
	}
	return c, nil
}

// ListComments returns the comments of the store's return, oldest first;
// ENOTFOUND when the store has no such return.
func (a *App) ListComments(ctx context.Context, storeID, returnID string) ([]*returns.Comment, error) {
	var cs []*returns.Comment
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		var err error
		cs, err = tx.ListComments(ctx, storeID, returnID)
		return err
	})
	return cs, err
}

// Timeline returns every timeline event of the store's return, oldest
// first; ENOTFOUND when the store has no such return.
func (a *App) Timeline(ctx context.Context, storeID, returnID string) ([]*returns.TimelineEvent, error) {
	var evs []*returns.TimelineEvent
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		var err error
		evs, err = tx.ListTimeline(ctx, storeID, returnID)
		return err
	})
	return evs, err
}

// processedTotals computes the totals of r, every item decided, as its
// processing issues them: with its order o (nil when it has none or it
// was deleted), the store's policy and the order's other returns.
func processedTotals(ctx context.Context, tx store.ReadTx, r *returns.Return, o *returns.Order) error {
	var others []returns.Return
	if r.OrderID != "" {
		var err error
		if others, err = returnsOf(ctx, tx, r.StoreID, r.OrderID); err != nil {
			return err
		}
	}
	policy, err := tx.GetPolicy(ctx, r.StoreID)
	if err != nil {
		return err
	}
	return returns.ComputeTotals(o, policy, r, others)
}

// PreviewProcess is ProcessReturn without writing anything: the return as
// those decisions would leave it (Done when they decide every item left,
// with the totals processing would issue: fees, refund, store credit,
// exchange), for a merchant to review before confirming. The same
// EINVALID and ECONFLICT answers as ProcessReturn; ENOTFOUND when the
// store has no such return.
func (a *App) PreviewProcess(ctx context.Context, storeID, returnID string, in []ItemDecisionInput) (*ProcessResult, error) {
	res, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (*ProcessResult, error) {
		r, err := tx.GetReturn(ctx, storeID, returnID)
		if err != nil {
			return nil, err
		}
		_, done, err := decide(r, in)
		if err != nil {
			return nil, err
		}
		o, err := orderOf(ctx, tx, r)
		if err != nil {
			return nil, err
		}
		if done {
			if err := processedTotals(ctx, tx, r, o); err != nil {
				return nil, err
			}
		}
		return &ProcessResult{Return: r, Order: o, Done: done}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("preview processing: %w", err)
	}
	return res, nil
}

// ProcessResult tells what processing did.
type ProcessResult struct {
	Return *returns.Return
	Order  *returns.Order
	// Done is true when every item was decided and the return processed.
	Done bool
}

// ProcessReturn records item decisions (Redo's process endpoint) and, once
// every item is decided, processes the return in the same transaction: the
// final totals are computed, the refund record and the store-credit gift
// card are issued, and the return is completed. Errors: ENOTFOUND; EINVALID
// naming the product; ECONFLICT for an item already decided or a return
// that cannot be processed in its status.
func (a *App) ProcessReturn(ctx context.Context, actor returns.Actor, storeID, returnID string, in []ItemDecisionInput, customerNotes string) (*ProcessResult, error) {
	res := &ProcessResult{}
	r, err := a.changeReturn(ctx, storeID, returnID, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		now := tx.Now()
		ds, done, err := decide(r, in)
		if err != nil {
			return nil, err
		}
		res.Done = done
		if customerNotes != "" {
			r.CustomerNotes = customerNotes
		}
		var rejected, accepted []string
		for _, d := range ds {
			if d.Reject {
				rejected = append(rejected, d.ItemID)
			} else {
				accepted = append(accepted, d.ItemID)
			}
		}
		r.UpdatedAt = now
		evs := []returns.TimelineEvent{returns.Note(r, returns.TimelineItemsDecided, actor, now,
			fmt.Sprintf("%d item(s) accepted, %d rejected.", len(accepted), len(rejected)),
			map[string]any{"accepted": accepted, "rejected": rejected})}
		if !done {
			return evs, nil
		}
		var o *returns.Order
		if r.OrderID != "" {
			if o, err = tx.LockOrder(ctx, storeID, r.OrderID); err != nil && !returns.IsNotFound(err) {
				return nil, err
			}
		}
		if err := processedTotals(ctx, tx, r, o); err != nil {
			return nil, err
		}
		r.ProcessedAt = &now
		evs = append(evs, returns.Note(r, returns.TimelineProcessed, actor, now, "Return processed.", map[string]any{"totals": r.Totals, "adjustments": r.Adjustments}))
		// A reopened return that is processed again issues only what its
		// earlier processing did not (Redo: reopening reverses nothing).
		var refunded, credited int64
		for _, rf := range r.Refunds {
			refunded += rf.Amount
		}
		for _, g := range r.GiftCards {
			credited += g.Amount
		}
		if due := r.Totals.Refund - refunded; due > 0 {
			rec := returns.RefundRecord{ID: returns.NewID(now), Amount: due, Currency: r.Currency, CreatedAt: now}
			r.Refunds = append(r.Refunds, rec)
			evs = append(evs, returns.Note(r, returns.TimelineRefundIssued, actor, now,
				fmt.Sprintf("Refund of %s %s issued.", formatMinor(rec.Amount, r.Currency), r.Currency), map[string]any{"refundId": rec.ID, "amount": rec.Amount, "currency": rec.Currency}))
		}
		if due := r.Totals.StoreCredit - credited; due > 0 {
			g := returns.GiftCard{Code: newGiftCardCode(), StoreID: storeID, ReturnID: r.ID, Amount: due,
				Balance: due, Currency: r.Currency, CreatedAt: now}
			g.ExternalID = g.Code
			if err := tx.CreateGiftCard(ctx, &g); err != nil {
				return nil, err
			}
			r.GiftCards = append(r.GiftCards, g)
			evs = append(evs, returns.Note(r, returns.TimelineCreditIssued, actor, now,
				fmt.Sprintf("Store credit of %s %s issued.", formatMinor(g.Amount, g.Currency), g.Currency), map[string]any{"code": g.Code, "amount": g.Amount, "currency": g.Currency}))
		}
		cev, err := r.Complete(actor, now, customerNotes)
		if err != nil {
			return nil, err
		}
		return append(evs, cev), nil
	})
	if err != nil {
		return nil, fmt.Errorf("process return: %w", err)
	}
	res.Return, res.Order = r.Return, r.Order
	return res, nil
}

// ItemDecisionInput is a decision on one return item as a client sends it:
// Adjustment (a new merchant adjustment) is a decimal string in the
// return's currency.
type ItemDecisionInput struct {
	ItemID     string
	Reject     bool
	Restock    bool
	Adjustment *string
}

// decide applies the decision inputs to r (see returns.Return.Decide) and
// returns them parsed, and whether every item is now decided.
func decide(r *returns.Return, in []ItemDecisionInput) ([]returns.ItemDecision, bool, error) {
	ds, err := decisions(in, r.Currency)
	if err != nil {
		return nil, false, err
	}
	done, err := r.Decide(ds)
	return ds, done, err
}

// decisions parses the inputs' adjustments in the return's currency; every
// bad one is an EINVALID naming products[i].processInput.newMerchantAdjustment.
func decisions(in []ItemDecisionInput, currency string) ([]returns.ItemDecision, error) {
	var errs []error
	ds := make([]returns.ItemDecision, 0, len(in))
	for i, d := range in {
		out := returns.ItemDecision{ItemID: d.ItemID, Reject: d.Reject, Restock: d.Restock}
		if d.Adjustment != nil {
			n, err := money.ParseNumber(json.Number(*d.Adjustment), currency)
			if err != nil {
				errs = append(errs, returns.Invalid(fmt.Sprintf("products[%d].processInput.newMerchantAdjustment", i),
					"must be an amount in the return's currency: "+err.Error()))
				continue
			}
			out.Adjustment = &n
		}
		ds = append(ds, out)
	}
	return ds, errors.Join(errs...)
}

// newGiftCardCode returns a store-credit code "RB-" and 16 characters in
// groups of four, from an alphabet without look-alike characters.
func newGiftCardCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [16]byte
	_, _ = rand.Read(b[:])
	var sb strings.Builder
	sb.WriteString("RB")
	for i, c := range b {
		if i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// formatMinor renders minor units of a currency as a decimal string.
func formatMinor(minor int64, currency string) string { return money.Format(minor, currency) }

// SetReturnLabel sets or replaces the return's label and tracking (e.g. a
// label bought elsewhere, or a carrier's update), notes it on the timeline
// and, when the return is mirrored in Ecwid, updates the Ecwid order. A
// carrier status moves an approved return along: in_transit (or
// out_for_delivery, available_for_pickup) takes an open return to
// in_transit, delivered takes an open or in-transit return to delivered;
// other statuses change nothing but the label.
// An update with the label's own tracking number is merged into it
// (returns.Label.Update: what it leaves empty is kept, such as the
// documents and shipment of a label Rebound bought); another tracking
// number replaces the label, and the timeline says so. Setting the same
// label again changes nothing. ENOTFOUND when the store has no such
// return; EINVALID without a tracking number.
func (a *App) SetReturnLabel(ctx context.Context, actor returns.Actor, storeID, returnID string, l returns.Label) (*ReturnResult, error) {
	if err := l.Validate(); err != nil {
		return nil, returns.PrefixField(err, "label.")
	}
	r, err := a.changeReturn(ctx, storeID, returnID, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		old, bought := "", ""
		if r.Label != nil {
			l = r.Label.Update(l)
			if *r.Label == l {
				return nil, nil
			}
			old = r.Label.TrackingNumber
			if r.Label.Status != "cancelled" { // a voided label was replaced already
				bought = r.Label.ShipmentID
			}
		}
		r.Label = &l
		r.UpdatedAt = tx.Now()
		msg := fmt.Sprintf("Tracking number %s added.", l.TrackingNumber)
		if old != "" && old != l.TrackingNumber {
			msg = fmt.Sprintf("Tracking number changed from %s to %s.", old, l.TrackingNumber)
			if bought != "" {
				msg += fmt.Sprintf(" The label Rebound bought (shipment %s) is no longer the return's.", bought)
			}
		} else if old == l.TrackingNumber {
			msg = "Shipment updated."
		}
		evs := []returns.TimelineEvent{returns.Note(r, returns.TimelineShipmentUpdated, actor, tx.Now(), msg,
			map[string]any{"trackingNumber": l.TrackingNumber, "carrier": l.Carrier, "status": l.Status})}
		// The carrier's status moves the return along its flow when it can:
		// on its way back, then received.
		why := "Carrier status: " + l.Status + "."
		switch l.Status {
		case "in_transit", "out_for_delivery", "available_for_pickup":
			if r.Status == returns.StatusOpen {
				ev, err := r.MarkInTransit(actor, tx.Now(), why)
				if err != nil {
					return nil, err
				}
				evs = append(evs, ev)
			}
		case "delivered":
			if r.Status == returns.StatusOpen || r.Status == returns.StatusInTransit {
				ev, err := r.MarkDelivered(actor, tx.Now(), why)
				if err != nil {
					return nil, err
				}
				evs = append(evs, ev)
			}
		}
		return evs, nil
	})
	if err != nil {
		return nil, fmt.Errorf("set return label: %w", err)
	}
	return r, nil
}
