package refundidtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/refundid"
)

// SessionState is where a shopper is in the portal.
type SessionState string

const (
	// StateForm: the link was incomplete, the form waits for the shopper
	// (Session.Missing lists what is missing). Nothing was fetched.
	StateForm SessionState = "form"
	// StateChoosing: the merchant's data was fetched; items may be chosen.
	StateChoosing SessionState = "choosing"
	// StateConfirmed: the shopper confirmed; Session.RefundidID is set.
	StateConfirmed SessionState = "confirmed"
)

// Session is one shopper's visit to the portal.
type Session struct {
	ID      string
	State   SessionState
	Params  refundid.Params
	Missing []string // for StateForm
	// Orders are the merchant's answers to GET /order; Return is its
	// answer to GET /refund (merchant-initiated RMAs only).
	Orders []refundid.RapiOrder
	Return *refundid.RapiReturn
	// Chosen are the items chosen so far (for a merchant-initiated RMA,
	// the RMA's).
	Chosen     []Choice
	RefundidID string
}

// Choice is a shopper's pick of units of one order line.
type Choice struct {
	MerchantOrderRef string `json:"merchant_order_ref,omitempty"` // "" for the session's only order
	LineItemRef      string `json:"line_item_ref"`
	Quantity         int    `json:"quantity"`
	Reason           string `json:"return_reason"`
	ChildReason      string `json:"child_return_reason,omitempty"`
}

// Errors of the portal.
var (
	// ErrLink: the link breaks a parameter rule or names another shop.
	ErrLink = errors.New("refundidtest: bad link")
	// ErrMerchant: the merchant's endpoint failed or answered something
	// unusable.
	ErrMerchant = errors.New("refundidtest: merchant call failed")
	// ErrChoice: the chosen items are not returnable as chosen.
	ErrChoice = errors.New("refundidtest: bad choice")
	// ErrSession: no such session, or not in a state for this step.
	ErrSession = errors.New("refundidtest: bad session step")
)

// Open visits an initial redirect link as a shopper's browser would. The
// link's parameters are checked as Refundid states (each of shop,
// order_number, merchant_order_ref, merchant_rma_ref and key at most 255
// ASCII characters without spaces; email a valid address of at most 320
// characters), and shop must be the configured one: otherwise the error
// wraps ErrLink. An incomplete link opens the form (StateForm) and calls
// nothing. A complete one submits itself: for a merchant RMA the fake calls
// GET /refund and then GET /order for each order the RMA names, otherwise
// GET /order; a failed call wraps ErrMerchant. On error no session is
// returned.
func (s *Server) Open(ctx context.Context, link string) (*Session, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLink, err)
	}
	if !strings.HasSuffix(u.Path, refundid.RedirectPath) {
		return nil, fmt.Errorf("%w: path %q is not %s", ErrLink, u.Path, refundid.RedirectPath)
	}
	q := u.Query()
	for _, name := range []string{refundid.ParamShop, refundid.ParamOrderNumber, refundid.ParamEmail,
		refundid.ParamMerchantOrderRef, refundid.ParamMerchantRMARef, refundid.ParamKey} {
		if err := checkParam(name, q.Get(name)); err != nil {
			return nil, err
		}
	}
	p := refundid.ParamsFrom(q)
	if p.Shop != "" && p.Shop != s.cfg.Shop {
		return nil, fmt.Errorf("%w: unknown shop %q", ErrLink, p.Shop)
	}
	sess := &Session{Params: p}
	s.mu.Lock()
	sess.ID = s.nextID("sess")
	s.mu.Unlock()

	sess.Missing = missing(p)
	if len(sess.Missing) > 0 {
		sess.State = StateForm
		s.save(sess)
		return s.Session(sess.ID)
	}
	if err := s.fetch(ctx, sess); err != nil {
		return nil, err
	}
	sess.State = StateChoosing
	s.save(sess)
	return s.Session(sess.ID)
}

// checkParam is the fake's own reading of Refundid's rules (not
// refundid.CheckParam, so that the two check each other).
func checkParam(name, v string) error {
	if v == "" {
		return nil
	}
	bad := func(why string) error { return fmt.Errorf("%w: %s %s", ErrLink, name, why) }
	if name == refundid.ParamEmail {
		a, err := mail.ParseAddress(v)
		switch {
		case len([]rune(v)) > 320:
			return bad("is longer than 320 characters")
		case err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], "."):
			return bad("is not a valid email address")
		}
		return nil
	}
	if len(v) > 255 {
		return bad("is longer than 255 characters")
	}
	for _, r := range v {
		if r > 127 {
			return bad("has non-ASCII characters")
		}
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return bad("has spaces")
		}
	}
	return nil
}

func missing(p refundid.Params) []string {
	var m []string
	if p.Shop == "" {
		m = append(m, refundid.ParamShop)
	}
	if p.MerchantRMARef == "" {
		if p.OrderNumber == "" {
			m = append(m, refundid.ParamOrderNumber)
		}
		if p.Email == "" {
			m = append(m, refundid.ParamEmail)
		}
	}
	return m
}

// Fill completes a session's form with the fields the shopper types and
// submits it, as Open does for a complete link. Errors are Open's, and
// ErrSession when the session is not showing the form.
func (s *Server) Fill(ctx context.Context, sessionID, orderNumber, email string) (*Session, error) {
	sess, err := s.Session(sessionID)
	if err != nil {
		return nil, err
	}
	if sess.State != StateForm {
		return nil, fmt.Errorf("%w: session %s is %s, not showing the form", ErrSession, sessionID, sess.State)
	}
	for name, v := range map[string]string{refundid.ParamOrderNumber: orderNumber, refundid.ParamEmail: email} {
		if err := checkParam(name, v); err != nil {
			return nil, err
		}
	}
	if orderNumber != "" {
		sess.Params.OrderNumber = orderNumber
	}
	if email != "" {
		sess.Params.Email = email
	}
	if sess.Missing = missing(sess.Params); len(sess.Missing) > 0 {
		s.save(sess)
		return s.Session(sess.ID)
	}
	if err := s.fetch(ctx, sess); err != nil {
		return nil, err
	}
	sess.State = StateChoosing
	s.save(sess)
	return s.Session(sess.ID)
}

// fetch calls the merchant for a complete session.
func (s *Server) fetch(ctx context.Context, sess *Session) error {
	p := sess.Params
	if p.MerchantRMARef == "" {
		o, err := s.fetchOrder(ctx, refundid.OrderQuery{Shop: p.Shop, OrderNumber: p.OrderNumber, Email: p.Email, MerchantOrderRef: p.MerchantOrderRef, Key: p.Key})
		if err != nil {
			return err
		}
		// Refundid shows the order only to the shopper who knows both its
		// number and its email [I].
		if o.OrderNumber != p.OrderNumber || !strings.EqualFold(o.Email, p.Email) {
			return fmt.Errorf("%w: GET /order answered order %q for %q, not %q for %q", ErrMerchant, o.OrderNumber, o.Email, p.OrderNumber, p.Email)
		}
		sess.Orders = []refundid.RapiOrder{*o}
		return nil
	}
	if s.cfg.RefundURL == "" {
		return fmt.Errorf("%w: no /refund endpoint configured", ErrMerchant)
	}
	var rma refundid.RapiReturn
	q := url.Values{refundid.ParamShop: {p.Shop}, refundid.ParamMerchantRMARef: {p.MerchantRMARef}}
	if p.Key != "" {
		q.Set(refundid.ParamKey, p.Key)
	}
	if err := s.getJSON(ctx, s.cfg.RefundURL, q, &rma); err != nil {
		return err
	}
	if rma.MerchantRMARef != p.MerchantRMARef || len(rma.LineItems) == 0 {
		return fmt.Errorf("%w: GET /refund answered RMA %q with %d line items for %q", ErrMerchant, rma.MerchantRMARef, len(rma.LineItems), p.MerchantRMARef)
	}
	var refs []string
	for _, li := range rma.LineItems {
		if !slices.Contains(refs, li.MerchantOrderRef) {
			refs = append(refs, li.MerchantOrderRef)
		}
	}
	for _, ref := range refs {
		o, err := s.fetchOrder(ctx, refundid.OrderQuery{Shop: p.Shop, MerchantOrderRef: ref, Key: p.Key})
		if err != nil {
			return err
		}
		if o.MerchantOrderRef != ref {
			return fmt.Errorf("%w: GET /order answered order %q for %q", ErrMerchant, o.MerchantOrderRef, ref)
		}
		sess.Orders = append(sess.Orders, *o)
	}
	for _, li := range rma.LineItems {
		if _, err := findLine(sess.Orders, li.MerchantOrderRef, li.LineItemRef, li.Quantity); err != nil {
			return fmt.Errorf("%w: the RMA's %v", ErrMerchant, err)
		}
		sess.Chosen = append(sess.Chosen, Choice{MerchantOrderRef: li.MerchantOrderRef, LineItemRef: li.LineItemRef,
			Quantity: li.Quantity, Reason: li.ReturnReason, ChildReason: li.ChildReturnReason})
	}
	sess.Return = &rma
	return nil
}

func (s *Server) fetchOrder(ctx context.Context, oq refundid.OrderQuery) (*refundid.RapiOrder, error) {
	q := url.Values{}
	for k, v := range map[string]string{
		refundid.ParamShop: oq.Shop, refundid.ParamOrderNumber: oq.OrderNumber, refundid.ParamEmail: oq.Email,
		refundid.ParamMerchantOrderRef: oq.MerchantOrderRef, refundid.ParamKey: oq.Key,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var o refundid.RapiOrder
	if err := s.getJSON(ctx, s.cfg.OrderURL, q, &o); err != nil {
		return nil, err
	}
	if o.MerchantOrderRef == "" || o.OrderNumber == "" || len(o.LineItems) == 0 {
		return nil, fmt.Errorf("%w: GET /order answered an order without merchant_order_ref, order_number or line_items", ErrMerchant)
	}
	for _, li := range o.LineItems {
		if li.LineItemRef == "" || li.Quantity < 1 || li.ReturnableQuantity < 0 || li.ReturnableQuantity > li.Quantity {
			return nil, fmt.Errorf("%w: GET /order: bad line item %+v", ErrMerchant, li)
		}
		if _, err := li.Price.Minor(); err != nil {
			return nil, fmt.Errorf("%w: GET /order: line %s price: %v", ErrMerchant, li.LineItemRef, err)
		}
	}
	return &o, nil
}

// getJSON calls a merchant endpoint with the configured credentials and
// decodes a 200 answer.
func (s *Server) getJSON(ctx context.Context, endpoint string, q url.Values, v any) error {
	u, err := url.Parse(endpoint)
	if err != nil || endpoint == "" {
		return fmt.Errorf("%w: endpoint %q", ErrMerchant, endpoint)
	}
	u.RawQuery = q.Encode()
	resp, err := s.do(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrMerchant, u.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s answered %d", ErrMerchant, u.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrMerchant, u.Path, err)
	}
	return nil
}

// do sends one request to the merchant with the credentials, logging it.
func (s *Server) do(ctx context.Context, method, u string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMerchant, err)
	}
	if s.cfg.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.BearerToken)
	}
	if s.cfg.HeaderName != "" {
		req.Header.Set(s.cfg.HeaderName, s.cfg.HeaderValue)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "refundidtest")
	resp, err := s.client.Do(req)
	c := Call{Method: method, URL: u}
	if err != nil {
		c.Err = err.Error()
	} else {
		c.Status = resp.StatusCode
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", ErrMerchant, method, u, err)
	}
	return resp, nil
}

// findLine finds the order line a choice names (ref "" matches when the
// session has one order) and checks qty against its quantity.
func findLine(orders []refundid.RapiOrder, ref, line string, qty int) (*refundid.RapiOrderLineItem, error) {
	for i := range orders {
		o := &orders[i]
		if ref != o.MerchantOrderRef && (ref != "" || len(orders) != 1) {
			continue
		}
		for j := range o.LineItems {
			if li := &o.LineItems[j]; li.LineItemRef == line {
				if qty < 1 || qty > li.Quantity {
					return nil, fmt.Errorf("line %s: quantity %d of %d", line, qty, li.Quantity)
				}
				return li, nil
			}
		}
	}
	return nil, fmt.Errorf("line %s of order %q: not found", line, ref)
}

// Session returns a copy of a session; the error wraps ErrSession when there
// is none.
func (s *Server) Session(id string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return nil, fmt.Errorf("%w: no session %q", ErrSession, id)
	}
	c := *sess
	c.Missing = slices.Clone(sess.Missing)
	c.Orders = slices.Clone(sess.Orders)
	c.Chosen = slices.Clone(sess.Chosen)
	return &c, nil
}

func (s *Server) save(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[sess.ID] = sess
}

// Choose sets the items the shopper returns, replacing any earlier choice.
// Each choice needs a reason, a line of the session's order, and a quantity
// from 1 to what is left of the line's returnable_quantity after the other
// choices of the same line; otherwise the error wraps ErrChoice. The
// session must be choosing, for a Refundid-initiated RMA (a merchant RMA's
// items are fixed): else ErrSession.
func (s *Server) Choose(sessionID string, items []Choice) error {
	sess, err := s.Session(sessionID)
	if err != nil {
		return err
	}
	if sess.State != StateChoosing || sess.Return != nil {
		return fmt.Errorf("%w: session %s cannot choose items (%s)", ErrSession, sessionID, sess.State)
	}
	if len(items) == 0 {
		return fmt.Errorf("%w: no items", ErrChoice)
	}
	used := map[string]int{}
	for i, c := range items {
		li, err := findLine(sess.Orders, c.MerchantOrderRef, c.LineItemRef, c.Quantity)
		if err != nil {
			return fmt.Errorf("%w: item %d: %v", ErrChoice, i, err)
		}
		if strings.TrimSpace(c.Reason) == "" {
			return fmt.Errorf("%w: item %d: a reason is required", ErrChoice, i)
		}
		used[li.LineItemRef] += c.Quantity
		if used[li.LineItemRef] > li.ReturnableQuantity {
			why := ""
			if len(li.NonReturnableReasons) > 0 {
				why = " (" + strings.Join(li.NonReturnableReasons, " ") + ")"
			}
			return fmt.Errorf("%w: item %d: line %s has %d returnable%s", ErrChoice, i, li.LineItemRef, li.ReturnableQuantity, why)
		}
		if c.MerchantOrderRef == "" {
			items[i].MerchantOrderRef = sess.Orders[0].MerchantOrderRef
		}
	}
	sess.Chosen = slices.Clone(items)
	s.save(sess)
	return nil
}

// Confirm is the shopper confirming the refund. Refundid decides its
// outcome, refundid or failed, which the fake records at once: the record
// is listed by GET /v1/merchant/returns with that status. Nothing is sent
// to the merchant until Deliver. It returns the new refundid_id. The error
// wraps ErrSession when the session has no items or is not choosing, and
// ErrChoice for another outcome.
func (s *Server) Confirm(sessionID string, outcome refundid.Status) (string, error) {
	if outcome != refundid.StatusRefundid && outcome != refundid.StatusFailed {
		return "", fmt.Errorf("%w: outcome %q is not refundid or failed", ErrChoice, outcome)
	}
	sess, err := s.Session(sessionID)
	if err != nil {
		return "", err
	}
	if sess.State != StateChoosing || len(sess.Chosen) == 0 {
		return "", fmt.Errorf("%w: session %s has nothing to confirm (%s)", ErrSession, sessionID, sess.State)
	}
	now := s.cfg.Now().UTC()
	rec := refundid.RapiRefundidOrder{
		MerchantRMARef: sess.Params.MerchantRMARef,
		Status:         outcome,
		OrderNumber:    sess.Orders[0].OrderNumber,
		CreatedAt:      &now,
	}
	if len(sess.Orders) == 1 {
		rec.MerchantOrderRef = sess.Orders[0].MerchantOrderRef
	}
	for _, c := range sess.Chosen {
		rec.LineItems = append(rec.LineItems, refundid.RapiRefundidOrderLineItem{
			MerchantOrderRef: c.MerchantOrderRef, LineItemRef: c.LineItemRef, Quantity: c.Quantity,
			ReturnReason: c.Reason, ChildReturnReason: c.ChildReason,
		})
	}
	id := s.AddRefund(rec)
	s.mu.Lock()
	s.sessions[sessionID].State = StateConfirmed
	s.sessions[sessionID].RefundidID = id
	s.keyOf[id] = sess.Params.Key
	s.mu.Unlock()
	return id, nil
}
