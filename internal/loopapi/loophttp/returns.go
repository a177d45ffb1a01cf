package loophttp

// The returns API: the Detailed Returns List, Get Return Details, the
// return actions, notes and the ASN report.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// MaxUnpaginated is the most returns a list without paginate=true
// answers (the oldest of its window): clients that may see more page.
const MaxUnpaginated = 5000

// asnChunk is how many returns one read of the ASN report takes.
const asnChunk = 500

func (a *API) returnRoutes(p string) {
	read, write := returns.ScopeReturnsRead, returns.ScopeReturnsWrite
	a.handle("GET "+p+"/warehouse/return/list", read, a.list)
	a.handle("GET "+p+"/warehouse/return/details", read, a.details)
	a.handle("GET "+p+"/warehouse/reporting/asn", read, a.asn)
	a.handle("GET "+p+"/warehouse/return/{return_id}/notes", read, a.notes)
	a.handle("POST "+p+"/warehouse/return/{return_id}/note", write, a.addNote)
	for _, act := range loopapi.Actions {
		a.handle("POST "+p+"/warehouse/return/{return_id}/"+string(act), write, a.action(act))
	}
}

// ---- ids

// number gives the store's returns written without numeric ids theirs, so
// that the keyset list sees them.
func (a *API) number(ctx context.Context, storeID string) error {
	has, err := store.Read(ctx, a.app.Store, func(tx store.ReadTx) (bool, error) { return tx.HasUnnumberedReturns(ctx, storeID) })
	for err == nil && has {
		var n int
		err = a.app.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.NumberReturns(ctx, storeID, 1000)
			return err
		})
		has = n > 0
	}
	return err
}

// page is what a view of returns reads besides them.
type page struct {
	ids    map[string]loopapi.IDs
	orders map[string]*returns.Order
	policy returns.Policy
}

// load reads, in tx, what rendering rs needs; complete is false when ids
// are missing.
func load(ctx context.Context, tx store.ReadTx, storeID string, rs []*returns.Return) (*page, bool, error) {
	ids, complete, err := loopapi.ReadIDs(ctx, tx, storeID, rs)
	if err != nil {
		return nil, false, err
	}
	var orderIDs []string
	for _, r := range rs {
		if r.OrderID != "" {
			orderIDs = append(orderIDs, r.OrderID)
		}
	}
	p := &page{ids: ids, orders: map[string]*returns.Order{}}
	if len(orderIDs) > 0 {
		if p.orders, err = tx.GetOrdersByID(ctx, storeID, orderIDs); err != nil {
			return nil, false, err
		}
	}
	if p.policy, err = tx.GetPolicy(ctx, storeID); err != nil {
		return nil, false, err
	}
	return p, complete, nil
}

// complete assigns the ids p lacks.
func (a *API) complete(ctx context.Context, storeID string, rs []*returns.Return, p *page) error {
	return a.app.Store.Update(ctx, func(tx store.Tx) error {
		ids, err := loopapi.AssignIDs(ctx, tx, storeID, rs)
		p.ids = ids
		return err
	})
}

func (p *page) opts() loopapi.ViewOptions { return loopapi.ViewOptions{Policy: &p.policy} }

// ---- list

func (a *API) list(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	q, err := loopapi.DecodeList(r.URL.Query(), a.now(), a.cursors)
	if err != nil {
		return err
	}
	if err := a.number(ctx, key.StoreID); err != nil {
		return err
	}
	statuses := loopapi.StatusesIn(q.States()...)
	sq := store.LoopReturnQuery{ByUpdated: q.Filter == loopapi.FilterUpdatedAt, From: q.From, To: q.To, Statuses: statuses, Limit: q.Limit()}
	if !q.Paginate {
		sq.Limit = MaxUnpaginated
	}
	if s := q.Seek; s != nil {
		k := &store.LoopKey{At: s.Key.At, ID: s.Key.ID}
		if s.Before {
			sq.Before, sq.Descending = k, true
		} else {
			sq.After = k
		}
	}
	var rows []store.LoopReturn
	var pg *page
	var complete bool
	if len(statuses) > 0 { // state=expired: Rebound has none
		err = a.app.Store.View(ctx, func(tx store.ReadTx) error {
			var err error
			if rows, err = tx.ListLoopReturns(ctx, key.StoreID, sq); err != nil {
				return err
			}
			pg, complete, err = load(ctx, tx, key.StoreID, returnsOf(rows))
			return err
		})
		if err != nil {
			return err
		}
	}
	shown := rows
	var next, prev *string
	if q.Paginate {
		shown, next, prev = loopapi.Page(a.cursors, a.baseURL(r), q, rows, func(lr store.LoopReturn) loopapi.Key {
			return loopapi.Key{At: lr.Key.At, ID: lr.Key.ID}
		})
	}
	if pg != nil && !complete {
		if err := a.complete(ctx, key.StoreID, returnsOf(shown), pg); err != nil {
			return err
		}
	}
	out := make([]loopapi.ListReturn, 0, len(shown))
	for _, lr := range shown {
		v, err := loopapi.ListItem(lr.Return, pg.orders[lr.Return.OrderID], pg.ids[lr.Return.ID], pg.opts())
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	if !q.Paginate {
		write(w, http.StatusOK, out)
		return nil
	}
	write(w, http.StatusOK, loopapi.ListPage{Returns: out, NextPageURL: next, PreviousPageURL: prev})
	return nil
}

func returnsOf(rows []store.LoopReturn) []*returns.Return {
	out := make([]*returns.Return, len(rows))
	for i, lr := range rows {
		out[i] = lr.Return
	}
	return out
}

// baseURL is the absolute URL of the request's endpoint, for page links:
// on the server's public URL when one is configured, else on the host the
// client used.
func (a *API) baseURL(r *http.Request) *url.URL {
	if pu := a.app.PublicURL; pu != "" {
		if u, err := url.Parse(strings.TrimRight(pu, "/") + r.URL.Path); err == nil && u.Host != "" {
			return u
		}
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path}
}

// ---- details

func (a *API) details(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	q, err := loopapi.DecodeDetails(r.URL.Query())
	if err != nil {
		return err
	}
	var ret *returns.Return
	var pg *page
	var complete bool
	err = a.app.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if ret, err = findReturn(ctx, tx, key.StoreID, q); err != nil {
			return err
		}
		pg, complete, err = load(ctx, tx, key.StoreID, []*returns.Return{ret})
		return err
	})
	if err != nil {
		return err
	}
	if !complete {
		if err := a.complete(ctx, key.StoreID, []*returns.Return{ret}, pg); err != nil {
			return err
		}
	}
	d, err := loopapi.Details(ret, pg.orders[ret.OrderID], pg.ids[ret.ID], pg.opts())
	if err != nil {
		return err
	}
	write(w, http.StatusOK, d)
	return nil
}

// findReturn resolves Get Return Details' identifier. order_id is the
// order's numeric Loop id, or else its platform id; an order's return is
// its newest.
func findReturn(ctx context.Context, tx store.ReadTx, storeID string, q loopapi.DetailsQuery) (*returns.Return, error) {
	switch {
	case q.ReturnID > 0:
		return byLoopID(ctx, tx, storeID, q.ReturnID)
	case q.NativeID != "":
		r, err := tx.GetReturn(ctx, storeID, q.NativeID)
		if returns.IsNotFound(err) {
			return nil, notFound("Return")
		}
		return r, err
	}
	var orderID string
	if q.OrderID > 0 {
		n, err := tx.LoopNativeID(ctx, storeID, store.LoopKindOrder, q.OrderID)
		switch {
		case err == nil:
			orderID = n
		case !returns.IsNotFound(err):
			return nil, err
		}
	}
	if orderID == "" {
		ref := q.OrderName
		if q.OrderID > 0 {
			ref = strconv.FormatInt(q.OrderID, 10)
		}
		o, err := tx.GetOrder(ctx, storeID, ref)
		if returns.IsNotFound(err) {
			return nil, notFound("Order")
		}
		if err != nil {
			return nil, err
		}
		orderID = o.ID
	}
	rs, err := tx.ReturnsForOrder(ctx, storeID, orderID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, notFound("Return")
	}
	return rs[len(rs)-1], nil
}

func byLoopID(ctx context.Context, tx store.ReadTx, storeID string, id int64) (*returns.Return, error) {
	n, err := tx.LoopNativeID(ctx, storeID, store.LoopKindReturn, id)
	if returns.IsNotFound(err) {
		return nil, notFound("Return")
	}
	if err != nil {
		return nil, err
	}
	r, err := tx.GetReturn(ctx, storeID, n)
	if returns.IsNotFound(err) {
		return nil, notFound("Return")
	}
	return r, err
}

// pathReturn resolves the return of an action path: its numeric id, or
// ?redo_return_id= with a placeholder path id.
func (a *API) pathReturn(ctx context.Context, r *http.Request, storeID string) (*returns.Return, error) {
	ref, ok := loopapi.DecodeReturnRef(r.PathValue("return_id"), r.URL.Query())
	if !ok {
		return nil, notFound("Return")
	}
	q := loopapi.DetailsQuery{ReturnID: ref.ID, NativeID: ref.NativeID}
	return store.Read(ctx, a.app.Store, func(tx store.ReadTx) (*returns.Return, error) { return findReturn(ctx, tx, storeID, q) })
}

// ---- actions

func (a *API) action(act loopapi.Action) handler {
	return func(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
		ctx := r.Context()
		var lineIDs []int64
		if act == loopapi.ActionRemove {
			var err error
			if lineIDs, err = loopapi.DecodeRemove(r.URL.Query()); err != nil {
				return err
			}
		}
		ret, err := a.pathReturn(ctx, r, key.StoreID)
		if err != nil {
			return err
		}
		plan := loopapi.PlanFor(act, ret.Status)
		switch plan.Effect {
		case loopapi.EffectRefuse:
			write(w, plan.Status, plan.Body())
			return nil
		case loopapi.EffectNone:
			write(w, http.StatusOK, loopapi.Success)
			return nil
		case loopapi.EffectProcess, loopapi.EffectRemove:
			return a.process(w, r, key, act, ret, lineIDs)
		}
		target := map[loopapi.Effect]returns.Status{
			loopapi.EffectCompleteNoAction: returns.StatusComplete, loopapi.EffectReject: returns.StatusRejected,
			loopapi.EffectDelete: returns.StatusDeleted, loopapi.EffectFlag: returns.StatusFlagged,
		}[plan.Effect]
		why := "Loop API: " + string(act) + "."
		if _, err := a.app.SetReturnStatus(ctx, actorOf(key), key.StoreID, ret.ID, target, why); err != nil {
			if returns.ErrorCode(err) == returns.ECONFLICT {
				// Changed meanwhile: answer for the status it has now.
				return a.answerNow(w, r, key, act, ret.ID, err)
			}
			return err
		}
		write(w, http.StatusOK, loopapi.Success)
		return nil
	}
}

// answerNow answers an action that lost a race with another change: the
// plan for the return's current status when that is a refusal or no
// change, else the original error.
func (a *API) answerNow(w http.ResponseWriter, r *http.Request, key *returns.APIKey, act loopapi.Action, id string, cause error) error {
	cur, err := a.app.GetReturn(r.Context(), key.StoreID, id)
	if err != nil {
		return err
	}
	switch p := loopapi.PlanFor(act, cur.Return.Status); p.Effect {
	case loopapi.EffectRefuse, loopapi.EffectNone:
		write(w, p.Status, p.Body())
		return nil
	}
	return cause
}

// process runs Rebound's processing (app.ProcessReturn, as Redo's process
// endpoint): every open item accepted and restocked, or for remove the
// listed units' items rejected. Loop queues processing and reports a
// failure by webhook: a processing the domain refuses after the plan
// allowed it is answered "true" and delivered as return.processing.failed.
func (a *API) process(w http.ResponseWriter, r *http.Request, key *returns.APIKey, act loopapi.Action, ret *returns.Return, lineIDs []int64) error {
	ctx := r.Context()
	var in []app.ItemDecisionInput
	if act == loopapi.ActionRemove {
		var ids map[string]loopapi.IDs
		err := a.app.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			ids, err = loopapi.AssignIDs(ctx, tx, key.StoreID, []*returns.Return{ret})
			return err
		})
		if err != nil {
			return err
		}
		ds, err := loopapi.CheckRemoval(ret, ids[ret.ID], lineIDs, true)
		if err != nil {
			return err
		}
		for _, d := range ds {
			in = append(in, app.ItemDecisionInput{ItemID: d.ItemID, Reject: d.Reject, Restock: d.Restock})
		}
	} else {
		for _, it := range ret.Items {
			if it.Status == returns.ItemOpen {
				in = append(in, app.ItemDecisionInput{ItemID: it.ID, Restock: true})
			}
		}
	}
	_, err := a.app.ProcessReturn(ctx, actorOf(key), key.StoreID, ret.ID, in, "")
	if err == nil {
		write(w, http.StatusOK, loopapi.Success)
		return nil
	}
	if httpx.Classify(err).Status >= 500 {
		return err
	}
	if e := a.answerNow(w, r, key, act, ret.ID, err); !errors.Is(e, err) {
		return e
	}
	if err := a.processingFailed(ctx, key.StoreID, ret.ID, returns.ErrorMessage(err)); err != nil {
		return err
	}
	write(w, http.StatusOK, loopapi.Success)
	return nil
}

// processingFailed records the failure of a processing for the
// return.processing webhook.
func (a *API) processingFailed(ctx context.Context, storeID, returnID, message string) error {
	return a.app.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.GetReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		payload, err := jsonOf(webhooks.ProcessingFailure{Type: "processing_failed", At: tx.Now(), Return: *r, Message: message, Source: loopapi.SourceWarehouse})
		if err != nil {
			return err
		}
		return tx.AddEvent(ctx, &returns.Event{StoreID: storeID, Kind: webhooks.EventReturnProcessingFailed, SubjectType: "return", SubjectID: r.ID, Payload: payload})
	})
}

// ---- notes

func (a *API) notes(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	ret, err := a.pathReturn(ctx, r, key.StoreID)
	if err != nil {
		return err
	}
	cs, err := a.app.ListComments(ctx, key.StoreID, ret.ID)
	if err != nil {
		return err
	}
	var natives []string
	var vals []returns.Comment
	for _, c := range cs {
		if c.Message != "" {
			natives = append(natives, c.ID)
		}
		vals = append(vals, *c)
	}
	if len(natives) == 0 {
		write(w, http.StatusUnprocessableEntity, loopapi.Failure)
		return nil
	}
	ids, err := store.Read(ctx, a.app.Store, func(tx store.ReadTx) (map[string]int64, error) {
		return tx.LoopIDs(ctx, key.StoreID, store.LoopKindComment, natives)
	})
	if err != nil {
		return err
	}
	if len(ids) < len(natives) {
		if err := a.app.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			ids, err = tx.AssignLoopIDs(ctx, key.StoreID, store.LoopKindComment, natives)
			return err
		}); err != nil {
			return err
		}
	}
	n, err := loopapi.NotesOf(vals, ids)
	if err != nil {
		return err
	}
	write(w, http.StatusOK, n)
	return nil
}

func (a *API) addNote(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBodyBytes))
	if err != nil {
		return &loopapi.NoteError{Errors: loopapi.MessageError{Message: loopapi.MsgNoteContentInvalid}}
	}
	ret, err := a.pathReturn(ctx, r, key.StoreID)
	if err != nil {
		return err
	}
	content, err := loopapi.DecodeNote(r.Header.Get("Content-Type"), body)
	if err != nil {
		return err
	}
	c, err := a.app.AddComment(ctx, actorOf(key), key.StoreID, ret.ID, app.Comment{Message: content})
	if err != nil {
		return err
	}
	if err := a.app.Store.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AssignLoopIDs(ctx, key.StoreID, store.LoopKindComment, []string{c.ID})
		return err
	}); err != nil {
		return err
	}
	write(w, http.StatusOK, loopapi.Success)
	return nil
}

// ---- ASN

// asn answers the Advanced Shipping Notice report: a row per returned unit
// of the returns created in the window (the 120-day maximum applies, as
// from Loop's version 2026-10), optionally only those whose label has one
// of the tracking statuses asked for.
func (a *API) asn(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	q, err := loopapi.DecodeASN(r.URL.Query(), a.now(), true)
	if err != nil {
		return err
	}
	if err := a.number(ctx, key.StoreID); err != nil {
		return err
	}
	out := []loopapi.ASNRow{}
	sq := store.LoopReturnQuery{From: q.From, To: q.To, Limit: asnChunk}
	for {
		var rows []store.LoopReturn
		var pg *page
		var complete bool
		err := a.app.Store.View(ctx, func(tx store.ReadTx) error {
			var err error
			if rows, err = tx.ListLoopReturns(ctx, key.StoreID, sq); err != nil {
				return err
			}
			pg, complete, err = load(ctx, tx, key.StoreID, returnsOf(rows))
			return err
		})
		if err != nil {
			return err
		}
		var rs []*returns.Return
		for _, lr := range rows {
			if len(q.TrackingStatuses) > 0 && (lr.Return.Label == nil || !slices.Contains(q.TrackingStatuses, loopapi.LabelStatus(lr.Return.Label.Status))) {
				continue
			}
			rs = append(rs, lr.Return)
		}
		if !complete && len(rs) > 0 {
			if err := a.complete(ctx, key.StoreID, rs, pg); err != nil {
				return err
			}
		}
		for _, ret := range rs {
			rows, err := loopapi.ASN(ret, pg.orders[ret.OrderID], pg.ids[ret.ID])
			if err != nil {
				return err
			}
			out = append(out, rows...)
		}
		if len(rows) < asnChunk {
			break
		}
		sq.After = &rows[len(rows)-1].Key
	}
	write(w, http.StatusOK, out)
	return nil
}
