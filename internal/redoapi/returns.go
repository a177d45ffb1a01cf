package redoapi

// Redo's returns API (v2.2) and Rebound's extensions to it: thin handlers
// that decode, call the app and encode with returns_view.go.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/redoview"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Limits of the returns API.
const (
	// MaxImageBytes bounds an uploaded image (decoded).
	MaxImageBytes = 5 << 20
	// maxImageBodyBytes bounds bodies that may carry base64 images.
	maxImageBodyBytes = 4*MaxImageBytes/3 + 64<<10
	// MaxIdempotencyKeyLen bounds the Idempotency-Key header.
	MaxIdempotencyKeyLen = 255
	// DefaultPageSize and MaxPageSize bound X-Page-Size.
	DefaultPageSize = 20
	MaxPageSize     = 500
)

func (s *API) returnRoutes() {
	s.handle("POST /v2.2/stores/{storeId}/returns", returns.ScopeReturnsWrite, styleReturnCreate, s.createReturn)
	s.handle("GET /v2.2/stores/{storeId}/returns", returns.ScopeReturnsRead, styleProblem, s.listReturns)
	s.handle("POST /v2.2/stores/{storeId}/returns/bulk", returns.ScopeReturnsWrite, styleReturnCreate, s.importReturns)
	s.handle("GET /v2.2/returns/{returnId}", returns.ScopeReturnsRead, styleProblem, s.getReturn)
	s.handle("GET /v2.2/returns/{returnId}/status", returns.ScopeReturnsRead, styleProblem, s.getReturnStatus)
	s.handle("PUT /v2.2/returns/{returnId}/status", returns.ScopeReturnsWrite, styleProblem, s.setReturnStatus)
	s.handle("POST /v2.2/returns/{returnId}/status", returns.ScopeReturnsWrite, styleProblem, s.setReturnStatus)
	s.handle("GET /v2.2/returns/{returnId}/comments", returns.ScopeReturnsRead, styleProblem, s.listComments)
	s.handle("POST /v2.2/returns/{returnId}/comments", returns.ScopeReturnsWrite, styleProblem, s.addComment)
	s.handle("POST /v2.2/returns/{returnId}/process", returns.ScopeReturnsWrite, styleProblem, s.processReturn)
	s.handle("GET /v2.2/stores/{storeId}/return-tags", returns.ScopeReturnsRead, styleProblem, s.listReturnTags)
	s.handle("PUT /v2.2/stores/{storeId}/return-tags/{name}", returns.ScopeReturnsWrite, styleProblem, s.upsertReturnTag)
	s.handle("DELETE /v2.2/stores/{storeId}/return-tags/{name}", returns.ScopeReturnsWrite, styleProblem, s.deleteReturnTag)
	// Rebound extensions.
	s.handle("GET /v2.2/returns/{returnId}/timeline", returns.ScopeReturnsRead, styleProblem, s.returnTimeline)
	s.handle("PUT /v2.2/returns/{returnId}/tags", returns.ScopeReturnsWrite, styleProblem, s.setReturnTags)
	s.handle("PUT /v2.2/returns/{returnId}/label", returns.ScopeReturnsWrite, styleProblem, s.setReturnLabel)
	s.handle("GET /v2.2/stores/{storeId}/return-policy", returns.ScopeReturnsRead, styleProblem, s.getPolicy)
	s.handle("PUT /v2.2/stores/{storeId}/return-policy", returns.ScopeReturnsWrite, styleProblem, s.putPolicy)
	s.catalog.Add("GET "+app.FilesPath+"{id}", Surface, httpx.SecurityNone, "")
	s.mux.HandleFunc("GET "+app.FilesPath+"{id}", s.serveFile)
}

func actorOf(key *returns.APIKey) returns.Actor { return returns.KeyActor(key, "") }

// ---- create

// The create body is read tolerantly (Redo's route: members Redo's spec
// does not declare are ignored); the objects of Rebound's own extensions
// (data.customer, data.exchange, items[].multipleChoiceQuestions) are read
// strictly, from their raw JSON, so a typo in them is a 400.
type createReturnBody struct {
	Data    *createReturnData `json:"data"`
	Options *struct {
		CreateExternalRMAs bool `json:"createExternalRMAs"`
	} `json:"options"`
}

type createReturnData struct {
	// Provider is any of Redo's providers ("shopify", "custom", ...): the
	// order is found by externalOrderId whatever platform it names.
	Provider        *string            `json:"provider"`
	ExternalOrderID string             `json:"externalOrderId"`
	Items           []createReturnItem `json:"items"`
	ShippingAddress *createReturnAddr  `json:"shippingAddress"`
	Label           *labelJSON         `json:"label"`
	Notes           string             `json:"notes"`
	// Rebound extensions.
	Type        returns.ReturnType `json:"type"`
	Customer    json.RawMessage    `json:"customer"` // returns.Returner, strict
	Exchange    json.RawMessage    `json:"exchange"` // createExchange, strict
	PreShipment bool               `json:"preShipment"`
}

type createReturnItem struct {
	LineItemID   string `json:"lineItemId"`
	Quantity     int    `json:"quantity"`
	Reason       string `json:"reason"`
	ReasonCode   string `json:"reasonCode"`
	Compensation string `json:"compensation"`
	Notes        string `json:"notes"`
	// Rebound extensions.
	MultipleChoiceQuestions json.RawMessage `json:"multipleChoiceQuestions"` // []returns.Question, strict
	Images                  []string        `json:"images"`
}

// strictMember decodes the raw JSON of a Rebound-only member strictly into
// v; errors are named from field ("data.customer.firstName"), and a member
// that is not the JSON kind (object, array) v needs is an error naming
// field. Absent and null members leave v alone.
func strictMember(raw json.RawMessage, field, kind string, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	err := httpx.Strict.Decode(raw, v)
	if err == nil {
		return nil
	}
	var e *returns.Error
	if errors.As(err, &e) && e.Field != "" {
		return returns.PrefixField(err, field+".")
	}
	return returns.Invalid(field, "must be a JSON "+kind)
}

type createReturnAddr struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
}

func (a *createReturnAddr) address() returns.Address {
	if a == nil {
		return returns.Address{}
	}
	first, last, _ := strings.Cut(strings.TrimSpace(a.Name), " ")
	return returns.Address{Address1: a.Line1, Address2: a.Line2, City: a.City, ProvinceCode: a.State, Zip: a.PostalCode,
		CountryCode: a.Country, FirstName: first, LastName: strings.TrimSpace(last), Phone: a.Phone}
}

type createExchange struct {
	Items []struct {
		ProductID string `json:"productId"`
		VariantID string `json:"variantId"`
		SKU       string `json:"sku"`
		Title     string `json:"title"`
		Quantity  int    `json:"quantity"`
		Price     string `json:"price"`
	} `json:"items"`
}

type createReturnResponse struct {
	Return               redoview.ReturnJSON `json:"return"`
	ExternalRMAResponses []rmaResultJSON     `json:"externalRMAResponses"`
}

// rmaResultJSON is one entry of externalRMAResponses: Redo's members, and
// Rebound's externalId (the RMA's id in the integration, on success).
type rmaResultJSON struct {
	IntegrationProvider string `json:"integrationProvider"`
	Success             bool   `json:"success"`
	ErrorCode           string `json:"errorCode,omitempty"`
	ErrorMessage        string `json:"errorMessage,omitempty"`
	ExternalID          string `json:"externalId,omitempty"`
}

func rmaResults(rs []app.RMAResult) []rmaResultJSON {
	out := make([]rmaResultJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, rmaResultJSON{IntegrationProvider: r.Provider, Success: r.Success(), ErrorCode: r.ErrorCode,
			ErrorMessage: r.ErrorMessage, ExternalID: r.ExternalID})
	}
	return out
}

func (s *API) createReturn(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	idemKey := r.Header.Get("Idempotency-Key")
	if len(idemKey) > MaxIdempotencyKeyLen {
		return &returns.Error{Code: returns.EINVALID, Field: "Idempotency-Key", Message: fmt.Sprintf("must be at most %d characters", MaxIdempotencyKeyLen)}
	}
	body, err := httpx.ReadJSONBody(w, r, maxImageBodyBytes)
	if err != nil {
		return err
	}
	var in createReturnBody
	if err := httpx.Tolerant.Decode(body, &in); err != nil {
		return err
	}
	if in.Data == nil {
		return &returns.Error{Code: returns.EINVALID, Field: "data", Message: "is required"}
	}
	req, err := returnRequest(in.Data)
	if err != nil {
		return err
	}
	req.CreateExternalRMAs = in.Options != nil && in.Options.CreateExternalRMAs
	sum := sha256.Sum256(body)
	res, err := s.app.CreateReturn(r.Context(), actorOf(key), key.StoreID, req, app.Idempotency{Key: idemKey, Hash: hex.EncodeToString(sum[:])})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteJSON(w, status, "application/json", createReturnResponse{Return: redoview.Return(res.Return, res.Order), ExternalRMAResponses: rmaResults(res.ExternalRMAs)})
	return nil
}

func returnRequest(d *createReturnData) (*app.ReturnRequest, error) {
	var errs []error
	req := &app.ReturnRequest{ExternalOrderID: d.ExternalOrderID, Type: d.Type,
		Notes: d.Notes, ShippingAddress: d.ShippingAddress.address(), PreShipment: d.PreShipment}
	if d.Label != nil {
		l := d.Label.label()
		req.Label = &l
	}
	if d.Provider == nil {
		errs = append(errs, &returns.Error{Code: returns.EINVALID, Field: "data.provider", Message: "is required (the order's platform, e.g. \"custom\" or \"shopify\")"})
	} else {
		req.Provider = *d.Provider
	}
	if d.ShippingAddress == nil {
		errs = append(errs, &returns.Error{Code: returns.EINVALID, Field: "data.shippingAddress", Message: "is required"})
	} else if n := strings.TrimSpace(d.ShippingAddress.Name); n != "" {
		req.Customer.FirstName, req.Customer.LastName = req.ShippingAddress.FirstName, req.ShippingAddress.LastName
	}
	var cust *returns.Returner
	if err := strictMember(d.Customer, "data.customer", "object", &cust); err != nil {
		errs = append(errs, err)
	} else if cust != nil {
		req.Customer = *cust
	}
	if req.Customer.Phone == "" && d.ShippingAddress != nil {
		req.Customer.Phone = d.ShippingAddress.Phone
	}
	for i, it := range d.Items {
		item := app.ReturnItemRequest{LineItemID: it.LineItemID, Quantity: it.Quantity, Reason: it.Reason, ReasonCode: it.ReasonCode,
			Compensation: returns.Compensation(it.Compensation), Notes: it.Notes}
		if err := strictMember(it.MultipleChoiceQuestions, fmt.Sprintf("data.items[%d].multipleChoiceQuestions", i), "array", &item.Questions); err != nil {
			errs = append(errs, err)
		}
		for j, img := range it.Images {
			u, err := decodeImage(img, fmt.Sprintf("data.items[%d].images[%d]", i, j), true)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			item.Images = append(item.Images, *u)
		}
		req.Items = append(req.Items, item)
	}
	var exchange *createExchange
	if err := strictMember(d.Exchange, "data.exchange", "object", &exchange); err != nil {
		errs = append(errs, err)
	} else if exchange != nil {
		for _, ei := range exchange.Items {
			req.Exchange = append(req.Exchange, app.ExchangeItemRequest{ProductID: ei.ProductID, VariantID: ei.VariantID,
				SKU: ei.SKU, Title: ei.Title, Quantity: ei.Quantity, Price: ei.Price})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return req, nil
}

// allowedImageTypes are the sniffed types accepted for uploads.
var allowedImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// decodeImage reads an image given as base64 (optionally as a data: URL)
// or, when urlOK, as an https URL. The type is sniffed from the bytes, not
// taken from the client.
func decodeImage(s, field string, urlOK bool) (*app.Upload, error) {
	s = strings.TrimSpace(s)
	if urlOK && (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
		if len(s) > 2048 {
			return nil, &returns.Error{Code: returns.EINVALID, Field: field, Message: "image URL is longer than 2048 characters"}
		}
		return &app.Upload{URL: s}, nil
	}
	if strings.HasPrefix(s, "data:") {
		if _, after, ok := strings.Cut(s, ";base64,"); ok {
			s = after
		}
	}
	if base64.StdEncoding.DecodedLen(len(s)) > MaxImageBytes+3 {
		return nil, &returns.Error{Code: returns.EINVALID, Field: field, Message: fmt.Sprintf("image is larger than %d bytes", MaxImageBytes)}
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil || len(data) == 0 {
		return nil, &returns.Error{Code: returns.EINVALID, Field: field, Message: "must be a base64-encoded image (PNG, JPEG, GIF or WebP)"}
	}
	if len(data) > MaxImageBytes {
		return nil, &returns.Error{Code: returns.EINVALID, Field: field, Message: fmt.Sprintf("image is larger than %d bytes", MaxImageBytes)}
	}
	ct := http.DetectContentType(data)
	if !allowedImageTypes[ct] {
		return nil, &returns.Error{Code: returns.EINVALID, Field: field, Message: fmt.Sprintf("image type %s is not accepted; send PNG, JPEG, GIF or WebP", ct)}
	}
	return &app.Upload{Data: data, ContentType: ct}, nil
}

// ---- list

type listReturnsResponse struct {
	Returns []redoview.ReturnJSON `json:"returns"`
	Orders  []redoview.OrderJSON  `json:"orders"`
}

// cursorPrefix versions the opaque page cursor.
const cursorPrefix = "r1."

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// PageCursor returns the X-Page-Continue cursor that lists returns older
// than the return with this id (what X-Page-Next holds after it).
func PageCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	id, ok := strings.CutPrefix(string(b), cursorPrefix)
	if err != nil || !ok || !hexID.MatchString(id) {
		return "", &returns.Error{Code: returns.EINVALID, Field: "X-Page-Continue", Message: "is not a cursor this API gave out (use the X-Page-Next of the previous page)"}
	}
	return id, nil
}

func (s *API) listReturns(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	var q store.ReturnQuery
	var errs []error
	bad := func(field, msg string) {
		errs = append(errs, &returns.Error{Code: returns.EINVALID, Field: field, Message: msg})
	}
	q.Limit = DefaultPageSize
	if v := r.Header.Get("X-Page-Size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			bad("X-Page-Size", fmt.Sprintf("must be an integer from 1 to %d", MaxPageSize))
		}
		q.Limit = n
	}
	if v := r.Header.Get("X-Page-Continue"); v != "" {
		id, err := decodeCursor(v)
		if err != nil {
			errs = append(errs, err)
		}
		q.Before = id
	}
	qs := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"updated_at_min", &q.UpdatedMin}, {"updated_at_max", &q.UpdatedMax}} {
		if v := qs.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad(p.name, "must be an RFC 3339 date-time such as 2025-01-31T00:00:00Z")
			}
			*p.dst = t
		}
	}
	if v := qs.Get("status"); v != "" {
		st, err := returns.ParseStatus(v)
		if err != nil {
			bad("status", returns.ErrorMessage(err))
		}
		q.Status = st
	}
	q.OrderName = qs.Get("provider_order_name")
	if v := qs.Get("shopify_order_name"); v != "" && q.OrderName == "" {
		q.OrderName = v
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	page, err := s.app.ListReturns(r.Context(), key.StoreID, q)
	if err != nil {
		return err
	}
	resp := listReturnsResponse{Returns: make([]redoview.ReturnJSON, 0, len(page.Returns)), Orders: []redoview.OrderJSON{}}
	seen := map[string]bool{}
	for _, ret := range page.Returns {
		o := page.Orders[ret.OrderID]
		resp.Returns = append(resp.Returns, redoview.Return(ret, o))
		if o != nil && !seen[o.ID] {
			seen[o.ID] = true
			resp.Orders = append(resp.Orders, redoview.Order(o, ret))
		}
	}
	if page.Next != "" {
		w.Header().Set("X-Page-Next", PageCursor(page.Next))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", resp)
	return nil
}

// ---- one return

type getReturnResponse struct {
	Return redoview.ReturnJSON `json:"return"`
	Order  redoview.OrderJSON  `json:"order"`
}

func (s *API) getReturn(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	res, err := s.app.GetReturn(r.Context(), key.StoreID, r.PathValue("returnId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", getReturnResponse{Return: redoview.Return(res.Return, res.Order), Order: redoview.Order(res.Order, res.Return)})
	return nil
}

func (s *API) getReturnStatus(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	res, err := s.app.GetReturn(r.Context(), key.StoreID, r.PathValue("returnId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]returns.Status{"status": res.Return.Status})
	return nil
}

type statusBody struct {
	Status *string `json:"status"`
	// Reason is Rebound's extension: why, for the timeline.
	Reason string `json:"reason"`
}

func (s *API) setReturnStatus(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[statusBody](w, r, httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	if in.Status == nil {
		return &returns.Error{Code: returns.EINVALID, Field: "status", Message: "is required"}
	}
	if _, err := s.app.SetReturnStatus(r.Context(), actorOf(key), key.StoreID, r.PathValue("returnId"), returns.Status(*in.Status), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- comments

type commentJSON struct {
	Message *string `json:"message,omitempty"`
	Image   *string `json:"image,omitempty"`
}

func commentView(c *returns.Comment) commentJSON {
	if c.ImageURL != "" {
		u := c.ImageURL
		return commentJSON{Image: &u}
	}
	m := c.Message
	return commentJSON{Message: &m}
}

func (s *API) listComments(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	cs, err := s.app.ListComments(r.Context(), key.StoreID, r.PathValue("returnId"))
	if err != nil {
		return err
	}
	out := make([]commentJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, commentView(c))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"comments": out})
	return nil
}

// MaxCommentLen bounds a comment message (characters).
const MaxCommentLen = 10000

func (s *API) addComment(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	comment, err := httpx.DecodeMember[commentJSON](w, r, "comment", maxImageBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	var c app.Comment
	switch {
	case (comment.Message == nil) == (comment.Image == nil):
		return &returns.Error{Code: returns.EINVALID, Field: "comment", Message: "must have exactly one of message and image"}
	case comment.Message != nil:
		m := strings.TrimSpace(*comment.Message)
		if m == "" {
			return &returns.Error{Code: returns.EINVALID, Field: "comment.message", Message: "must not be empty"}
		}
		if len([]rune(m)) > MaxCommentLen {
			return &returns.Error{Code: returns.EINVALID, Field: "comment.message", Message: fmt.Sprintf("must be at most %d characters", MaxCommentLen)}
		}
		c.Message = m
	default:
		u, err := decodeImage(*comment.Image, "comment.image", false)
		if err != nil {
			return err
		}
		c.Image = u
	}
	created, err := s.app.AddComment(r.Context(), actorOf(key), key.StoreID, r.PathValue("returnId"), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, "application/json", map[string]any{"comment": commentView(created)})
	return nil
}

// serveFile serves an uploaded image to whoever has its URL (the id is an
// unguessable capability): shoppers, merchants, Ecwid's admin.
func (s *API) serveFile(w http.ResponseWriter, r *http.Request) {
	b, err := s.app.GetFile(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, styleProblem, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", b.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Data)
	}
}

// ---- process

type processBody struct {
	CustomerNotes string `json:"customerNotes"`
	Products      []struct {
		ID           *string `json:"_id"`
		Reject       bool    `json:"reject"`
		ProcessInput *struct {
			Restock               bool         `json:"restock"`
			NewMerchantAdjustment *json.Number `json:"newMerchantAdjustment"`
		} `json:"processInput"`
	} `json:"products"`
}

func (s *API) processReturn(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[processBody](w, r, httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	if in.Products == nil {
		return &returns.Error{Code: returns.EINVALID, Field: "products", Message: "is required"}
	}
	var errs []error
	ds := make([]app.ItemDecisionInput, 0, len(in.Products))
	for i, p := range in.Products {
		var d app.ItemDecisionInput
		if p.ID != nil {
			d.ItemID = *p.ID
		}
		if p.Reject && p.ProcessInput != nil {
			errs = append(errs, returns.Invalid(fmt.Sprintf("products[%d]", i), "may have only one of reject and processInput"))
			continue
		}
		d.Reject = p.Reject
		if pi := p.ProcessInput; pi != nil {
			d.Restock = pi.Restock
			if pi.NewMerchantAdjustment != nil {
				a := string(*pi.NewMerchantAdjustment)
				d.Adjustment = &a
			}
		}
		ds = append(ds, d)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	out, err := s.app.ProcessReturn(r.Context(), actorOf(key), key.StoreID, r.PathValue("returnId"), ds, strings.TrimSpace(in.CustomerNotes))
	if err != nil {
		return err
	}
	msg := "Successfully prepared some products to be processed, once all products are ready, processing will be triggered"
	if out.Done {
		msg = "Processing triggered successfully"
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"message": msg, "return": redoview.Return(out.Return, out.Order)})
	return nil
}

// ---- tags

type returnTagJSON struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	PillTheme string `json:"pillTheme"`
	Source    string `json:"source"`
	NumericID *int64 `json:"numericId"`
}

func tagView(t *returns.ReturnTag) returnTagJSON {
	n := t.NumericID
	return returnTagJSON{Name: t.Name, Kind: "return", PillTheme: t.PillTheme, Source: t.Source, NumericID: &n}
}

func (s *API) listReturnTags(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ts, err := s.app.ListReturnTags(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	out := make([]returnTagJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tagView(t))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"tags": out})
	return nil
}

// Problem types of Redo's return-tag endpoints.
const (
	problemTagInvalid      = "com.getredo.api:return-tag/invalid-request"
	problemTagPrecondition = "com.getredo.api:return-tag/rename-precondition-failed"
)

func (s *API) upsertReturnTag(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	tagErr := func(err error) error {
		return &httpx.Error{Status: http.StatusBadRequest, Type: problemTagInvalid, Detail: httpx.Classify(err).Detail, Err: err}
	}
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	var in struct {
		PillTheme *string `json:"pillTheme"`
		NewName   string  `json:"newName"`
	}
	if err := httpx.Tolerant.Decode(body, &in); err != nil {
		return tagErr(err)
	}
	theme := ""
	if in.PillTheme != nil {
		theme = *in.PillTheme
	}
	t, err := s.app.UpsertReturnTag(r.Context(), key.StoreID, r.PathValue("name"), theme, in.NewName)
	switch returns.ErrorCode(err) {
	case "":
	case returns.EINVALID:
		return tagErr(err)
	case returns.ENOTFOUND, returns.ECONFLICT:
		return &httpx.Error{Status: http.StatusBadRequest, Type: problemTagPrecondition, Detail: returns.ErrorMessage(err), Err: err}
	default:
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"tag": tagView(t)})
	return nil
}

func (s *API) deleteReturnTag(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if err := s.app.DeleteReturnTag(r.Context(), key.StoreID, r.PathValue("name")); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]bool{"success": true})
	return nil
}

func (s *API) setReturnTags(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	tags, err := httpx.DecodeMember[[]string](w, r, "tags", httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	res, err := s.app.SetReturnTags(r.Context(), actorOf(key), key.StoreID, r.PathValue("returnId"), *tags)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"return": redoview.Return(res.Return, res.Order)})
	return nil
}

// ---- bulk import

type bulkBody struct {
	Returns []bulkReturn `json:"returns"`
}

type bulkReturn struct {
	Products []struct {
		ProductID    string `json:"productId"`
		Quantity     int    `json:"quantity"`
		SKU          string `json:"sku"`
		Barcode      string `json:"barcode"`
		ProductTitle string `json:"productTitle"`
		VariantTitle string `json:"variantTitle"`
		Reason       string `json:"reason"`
		Condition    string `json:"condition"`
	} `json:"products"`
	Customer *struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Email     string `json:"email"`
	} `json:"customer"`
	ExternalReferenceID string            `json:"externalReferenceId"`
	TrackingNumber      string            `json:"trackingNumber"`
	Carrier             string            `json:"carrier"`
	Notes               string            `json:"notes"`
	IdempotencyKey      string            `json:"idempotencyKey"`
	Currency            string            `json:"currency"`
	ShippingAddress     *createReturnAddr `json:"shippingAddress"`
	MerchantAddress     *createReturnAddr `json:"merchantAddress"`
}

type bulkResultJSON struct {
	Status   string `json:"status"`
	Index    int    `json:"index"`
	ReturnID string `json:"returnId,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (s *API) importReturns(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[bulkBody](w, r, 4*httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	switch {
	case len(in.Returns) == 0:
		return &returns.Error{Code: returns.EINVALID, Field: "returns", Message: "must hold 1 to 100 returns"}
	case len(in.Returns) > app.MaxBulkReturns:
		return &returns.Error{Code: returns.EINVALID, Field: "returns", Message: fmt.Sprintf("holds %d returns; at most %d per request", len(in.Returns), app.MaxBulkReturns)}
	}
	rows := make([]app.ImportedReturn, len(in.Returns))
	for i, br := range in.Returns {
		raw, _ := json.Marshal(br)
		sum := sha256.Sum256(raw)
		row := app.ImportedReturn{ExternalReferenceID: br.ExternalReferenceID, TrackingNumber: br.TrackingNumber, Carrier: br.Carrier,
			Notes: br.Notes, IdempotencyKey: br.IdempotencyKey, Currency: strings.ToUpper(br.Currency), Hash: hex.EncodeToString(sum[:])}
		if br.Customer != nil {
			row.Customer = returns.Returner{FirstName: br.Customer.FirstName, LastName: br.Customer.LastName, Email: br.Customer.Email}
		}
		if br.ShippingAddress != nil {
			a := br.ShippingAddress.address()
			row.ShippingAddress = &a
			if row.Customer.Phone == "" {
				row.Customer.Phone = br.ShippingAddress.Phone
			}
		}
		for _, p := range br.Products {
			row.Products = append(row.Products, app.ImportedProduct{ProductID: p.ProductID, Quantity: p.Quantity, SKU: p.SKU, Barcode: p.Barcode,
				ProductTitle: p.ProductTitle, VariantTitle: p.VariantTitle, Reason: p.Reason, Condition: p.Condition})
		}
		rows[i] = row
	}
	results := s.app.ImportReturns(r.Context(), actorOf(key), key.StoreID, rows)
	out := struct {
		TotalCount     int              `json:"totalCount"`
		ProcessedCount int              `json:"processedCount"`
		ErrorCount     int              `json:"errorCount"`
		Results        []bulkResultJSON `json:"results"`
	}{TotalCount: len(rows), Results: make([]bulkResultJSON, 0, len(rows))}
	for i, res := range results {
		if res.Err != nil {
			out.ErrorCount++
			out.Results = append(out.Results, bulkResultJSON{Status: "error", Index: i, Error: httpx.Classify(res.Err).Detail})
			continue
		}
		out.ProcessedCount++
		out.Results = append(out.Results, bulkResultJSON{Status: "created", Index: i, ReturnID: res.ReturnID})
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", out)
	return nil
}

// ---- timeline

type timelineEventJSON struct {
	ID      int64          `json:"id"`
	At      string         `json:"at"`
	Kind    string         `json:"kind"`
	Actor   returns.Actor  `json:"actor"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

func (s *API) returnTimeline(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	evs, err := s.app.Timeline(r.Context(), key.StoreID, r.PathValue("returnId"))
	if err != nil {
		return err
	}
	out := make([]timelineEventJSON, 0, len(evs))
	for _, ev := range evs {
		data := map[string]any{}
		for k, v := range ev.Data {
			data[k] = v
		}
		if ev.From != "" {
			data["from"] = ev.From
		}
		if ev.To != "" {
			data["to"] = ev.To
		}
		out = append(out, timelineEventJSON{ID: ev.ID, At: ts(ev.At), Kind: ev.Kind, Actor: ev.Actor, Message: ev.Message, Data: data})
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"events": out})
	return nil
}

// ---- policy

func (s *API) getPolicy(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	p, err := s.app.GetPolicy(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"policy": policyView(p)})
	return nil
}

func (s *API) putPolicy(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeMember[policyJSON](w, r, "policy", httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	p, err := s.app.PutPolicy(r.Context(), key.StoreID, in.policy())
	if err != nil {
		return returns.PrefixField(err, "policy.")
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"policy": policyView(p)})
	return nil
}

// ---- label (extension)

func (s *API) setReturnLabel(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	label, err := httpx.DecodeMember[labelJSON](w, r, "label", httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	res, err := s.app.SetReturnLabel(r.Context(), actorOf(key), key.StoreID, r.PathValue("returnId"), label.label())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"return": redoview.Return(res.Return, res.Order)})
	return nil
}
