package loophttp

// Loop's Labels API (loop-returns-labels-openapi.yml), for label
// providers: every approved return is a label request (issued until it has
// a label, fulfilled once it has one, cancelled when deleted); a provider
// lists them with offset paging, answers one with its label (POST /labels,
// the return's label through app.SetReturnLabel), moves the label's status
// (PUT /labels/{id}), or reports why it could not make one; POST
// /returns/{returnId}/labels asks Rebound to buy the label itself
// (internal/shipping/shipsvc). Numeric ids: label requests are numbered as
// their returns' native ids (kind "label_request"), labels as
// "<return id>/<tracking number>" (kind "label").

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/store"
)

// Kinds of numeric ids of the Labels API.
const (
	kindLabelRequest = "label_request"
	kindLabel        = "label"
)

// Label request statuses.
const (
	requestIssued    = "issued"
	requestCancelled = "cancelled"
	requestFulfilled = "fulfilled"
)

// labelRequestStatuses are the returns that are label requests.
var labelRequestStatuses = []returns.Status{returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered,
	returns.StatusComplete, returns.StatusFlagged, returns.StatusDeleted}

func (a *API) labelRoutes(p string) {
	read, write := returns.ScopeReturnsRead, returns.ScopeReturnsWrite
	a.handle("GET "+p+"/label-requests", read, a.listLabelRequests)
	a.handle("GET "+p+"/label-requests/{id}", read, a.getLabelRequest)
	a.handle("POST "+p+"/label-requests/{id}/errors", write, a.labelRequestError)
	a.handle("POST "+p+"/labels", write, a.createLabel)
	a.handle("PUT "+p+"/labels/{id}", write, a.updateLabel)
	a.handle("POST "+p+"/returns/{returnId}/labels", write, a.generateLabel)
}

// Wire shapes.

type labelAddress struct {
	Name        string  `json:"name"`
	Company     *string `json:"company"`
	Address1    string  `json:"address1"`
	Address2    *string `json:"address2"`
	City        string  `json:"city"`
	Region      *string `json:"region"`
	PostalCode  *string `json:"postal_code"`
	Country     *string `json:"country"`
	CountryCode string  `json:"country_code"`
}

type labelParcel struct {
	Weight float64 `json:"weight"` // grams
}

type labelRequestJSON struct {
	ID        string `json:"id"`
	Addresses struct {
		Origin      labelAddress  `json:"origin"`
		Destination *labelAddress `json:"destination,omitempty"`
	} `json:"addresses"`
	Parcel    labelParcel `json:"parcel"`
	ReturnID  int64       `json:"return_id"`
	ShopID    int64       `json:"shop_id"`
	Status    string      `json:"status"`
	CreatedAt string      `json:"created_at"`
}

type moneySetData struct {
	Amount       int64  `json:"amount"`
	CurrencyCode string `json:"currency_code"`
}

type labelJSON struct {
	ID             int64        `json:"id"`
	TrackingNumber string       `json:"tracking_number"`
	TrackingURL    string       `json:"tracking_url"`
	Carrier        string       `json:"carrier"`
	LabelURL       string       `json:"label_url"`
	QRCodeURL      string       `json:"qrcode_url"`
	Rate           moneySetData `json:"rate"`
	Status         string       `json:"status"`
	CreatedAt      string       `json:"created_at"`
}

// labelsNotFound is the Labels API's 404: {code, message}.
func labelsNotFound(what string) error {
	return &statusError{status: http.StatusNotFound, body: map[string]string{"code": "NOT_FOUND", "message": what + " not found."}}
}

// labelsBadRequest is the Labels API's 400: {error: {code, message}}.
func labelsBadRequest(msg string) error {
	return &statusError{status: http.StatusBadRequest, body: map[string]any{"error": map[string]string{"code": "BAD_REQUEST", "message": msg}}}
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func addressOf(name string, a returns.Address) labelAddress {
	if name == "" {
		name = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	return labelAddress{Name: name, Company: ptr(a.Company), Address1: a.Address1, Address2: ptr(a.Address2), City: a.City,
		Region: ptr(a.ProvinceCode), PostalCode: ptr(a.Zip), Country: ptr(a.CountryCode), CountryCode: a.CountryCode}
}

func requestStatus(r *returns.Return) string {
	switch {
	case r.Status == returns.StatusDeleted:
		return requestCancelled
	case r.Label != nil && r.Label.Status != string(shipping.StatusCancelled):
		return requestFulfilled
	}
	return requestIssued
}

// grams is the parcel weight of the store's auto labels (1 lb by default).
func grams(p returns.Policy) float64 {
	w := shipping.Weight{Value: "1", Unit: shipping.Pound}
	if al := p.AutoLabel; al != nil {
		if al.Weight != "" {
			w.Value = al.Weight
		}
		if al.WeightUnit != "" {
			w.Unit = shipping.WeightUnit(al.WeightUnit)
		}
	}
	g, err := w.In(shipping.Gram)
	if err != nil {
		return 0
	}
	f, _ := new(big.Rat).Mul(g, big.NewRat(10, 1)).Float64()
	return float64(int64(f+0.5)) / 10
}

func (a *API) labelRequestView(r *returns.Return, id, returnID, shop int64, p returns.Policy) labelRequestJSON {
	v := labelRequestJSON{ID: strconv.FormatInt(id, 10), ReturnID: returnID, ShopID: shop, Status: requestStatus(r),
		CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339), Parcel: labelParcel{Weight: grams(p)}}
	name := strings.TrimSpace(r.Customer.FirstName + " " + r.Customer.LastName)
	v.Addresses.Origin = addressOf(name, r.ShippingAddress)
	if d := r.Destination; d != nil {
		da := addressOf(d.Name, d.Address)
		v.Addresses.Destination = &da
	}
	return v
}

// views numbers rows and renders them.
func (a *API) labelRequestViews(ctx context.Context, storeID string, rs []*returns.Return) ([]labelRequestJSON, error) {
	out := make([]labelRequestJSON, 0, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	natives := make([]string, len(rs))
	for i, r := range rs {
		natives[i] = r.ID
	}
	var reqIDs, retIDs map[string]int64
	var shop int64
	var pol returns.Policy
	err := a.app.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if reqIDs, err = tx.AssignLoopIDs(ctx, storeID, kindLabelRequest, natives); err != nil {
			return err
		}
		if retIDs, err = tx.AssignLoopIDs(ctx, storeID, store.LoopKindReturn, natives); err != nil {
			return err
		}
		if shop, err = loopapi.ShopID(ctx, tx, storeID); err != nil {
			return err
		}
		pol, err = tx.GetPolicy(ctx, storeID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out = append(out, a.labelRequestView(r, reqIDs[r.ID], retIDs[r.ID], shop, pol))
	}
	return out, nil
}

// maxLabelOffset bounds offset paging (its cost grows with the offset).
const maxLabelOffset = 10000

func (a *API) listLabelRequests(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	q := r.URL.Query()
	limit, offset := 50, 0
	var err error
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 0 || limit > 250 {
			return labelsBadRequest("limit must be an integer from 0 to 250")
		}
	}
	if s := q.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 || offset > maxLabelOffset {
			return labelsBadRequest(fmt.Sprintf("offset must be an integer from 0 to %d", maxLabelOffset))
		}
	}
	from, to := time.Unix(0, 0).UTC(), a.now().UTC().Add(24*time.Hour)
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return labelsBadRequest(p.name + " must be an ISO 8601 date-time such as 2023-04-25T13:25:00-05:00")
			}
			*p.dst = t
		}
	}
	status := q.Get("status")
	if status != "" && status != requestIssued && status != requestCancelled && status != requestFulfilled {
		return labelsBadRequest("status must be issued, cancelled or fulfilled")
	}
	var onlyReturn string
	if s := q.Get("return_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return labelsBadRequest("return_id must be a positive integer")
		}
		native, err := store.Read(ctx, a.app.Store, func(tx store.ReadTx) (string, error) {
			return tx.LoopNativeID(ctx, key.StoreID, store.LoopKindReturn, id)
		})
		if returns.IsNotFound(err) {
			write(w, http.StatusOK, map[string]any{"data": []labelRequestJSON{}})
			return nil
		}
		if err != nil {
			return err
		}
		onlyReturn = native
	}
	if err := a.number(ctx, key.StoreID); err != nil {
		return err
	}
	// Read in keyset pages (created_at, numeric id) and apply the filters
	// Loop's list has and the store's query has not, then the offset.
	var picked []*returns.Return
	var after *store.LoopKey
	skipped := 0
	for len(picked) < limit {
		var rows []store.LoopReturn
		err := a.app.Store.View(ctx, func(tx store.ReadTx) error {
			var err error
			rows, err = tx.ListLoopReturns(ctx, key.StoreID, store.LoopReturnQuery{From: from, To: to.Add(-time.Microsecond),
				Statuses: labelRequestStatuses, After: after, Limit: 200})
			return err
		})
		if err != nil {
			return err
		}
		for _, row := range rows {
			ret := row.Return
			if (onlyReturn != "" && ret.ID != onlyReturn) || (status != "" && requestStatus(ret) != status) {
				continue
			}
			if skipped < offset {
				skipped++
				continue
			}
			if len(picked) < limit {
				picked = append(picked, ret)
			}
		}
		if len(rows) < 200 {
			break
		}
		k := rows[len(rows)-1].Key
		after = &k
	}
	views, err := a.labelRequestViews(ctx, key.StoreID, picked)
	if err != nil {
		return err
	}
	write(w, http.StatusOK, map[string]any{"data": views})
	return nil
}

// labelRequest returns the return behind a label request id of the path.
func (a *API) labelRequest(ctx context.Context, storeID, raw string) (*returns.Return, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, labelsNotFound("Label request")
	}
	var ret *returns.Return
	err = a.app.Store.View(ctx, func(tx store.ReadTx) error {
		native, err := tx.LoopNativeID(ctx, storeID, kindLabelRequest, id)
		if err != nil {
			return err
		}
		ret, err = tx.GetReturn(ctx, storeID, native)
		return err
	})
	if returns.IsNotFound(err) || (err == nil && !slices.Contains(labelRequestStatuses, ret.Status)) {
		return nil, labelsNotFound("Label request")
	}
	return ret, err
}

func (a *API) getLabelRequest(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ret, err := a.labelRequest(r.Context(), key.StoreID, r.PathValue("id"))
	if err != nil {
		return err
	}
	views, err := a.labelRequestViews(r.Context(), key.StoreID, []*returns.Return{ret})
	if err != nil {
		return err
	}
	write(w, http.StatusOK, views[0])
	return nil
}

// decodeLabels reads a Labels API body tolerantly (Loop's route); a bad
// body is its 400.
func decodeLabels(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := httpx.ReadBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	if err := httpx.Tolerant.Decode(body, v); err != nil {
		return labelsBadRequest(returns.ErrorMessage(err))
	}
	return nil
}

var errorReasons = []string{"INSUFFICIENT_FUNDS", "INVALID_ADDRESS", "Other"}

func (a *API) labelRequestError(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ret, err := a.labelRequest(r.Context(), key.StoreID, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in struct {
		Reason  *string `json:"reason"`
		Message string  `json:"message"`
	}
	if err := decodeLabels(w, r, &in); err != nil {
		return err
	}
	if in.Reason == nil || !slices.Contains(errorReasons, *in.Reason) {
		return labelsBadRequest("reason is required: one of INSUFFICIENT_FUNDS, INVALID_ADDRESS, Other")
	}
	if utf8.RuneCountInString(in.Message) > 2000 {
		return labelsBadRequest("message is longer than 2000 characters")
	}
	at, err := a.ship.RecordLabelError(r.Context(), actorOf(key), key.StoreID, ret.ID, *in.Reason, in.Message)
	if err != nil {
		return err
	}
	write(w, http.StatusOK, map[string]string{"reason": *in.Reason, "message": in.Message, "created_at": at.UTC().Format(time.RFC3339)})
	return nil
}

func (a *API) createLabel(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	var in struct {
		LabelRequestID *json.Number  `json:"label_request_id"`
		TrackingNumber string        `json:"tracking_number"`
		TrackingURL    *string       `json:"tracking_url"`
		Carrier        string        `json:"carrier"`
		LabelURL       string        `json:"label_url"`
		QRCodeURL      string        `json:"qrcode_url"`
		Rate           *moneySetData `json:"rate"`
	}
	if err := decodeLabels(w, r, &in); err != nil {
		return err
	}
	var missing []string
	switch {
	case in.LabelRequestID == nil:
		missing = append(missing, "label_request_id")
	}
	for _, f := range []struct{ name, v string }{{"tracking_number", in.TrackingNumber}, {"carrier", in.Carrier}, {"label_url", in.LabelURL}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if in.Rate == nil || in.Rate.CurrencyCode == "" {
		missing = append(missing, "rate")
	}
	if len(missing) > 0 {
		return labelsBadRequest("missing required members: " + strings.Join(missing, ", "))
	}
	switch {
	case len(in.TrackingNumber) > 256 || strings.ContainsAny(in.TrackingNumber, "/ \t\n"):
		return labelsBadRequest("tracking_number must be at most 256 characters without spaces or slashes")
	case len(in.Carrier) > 32:
		return labelsBadRequest("carrier must be at most 32 characters")
	case !isURL(in.LabelURL) || len(in.LabelURL) > 2048:
		return labelsBadRequest("label_url must be an http or https URL")
	case in.TrackingURL != nil && *in.TrackingURL != "" && !isURL(*in.TrackingURL):
		return labelsBadRequest("tracking_url must be an http or https URL")
	case in.Rate.Amount < 0:
		return labelsBadRequest("rate.amount must not be negative")
	}
	ret, err := a.labelRequest(r.Context(), key.StoreID, in.LabelRequestID.String())
	if err != nil {
		return err
	}
	if requestStatus(ret) == requestCancelled {
		return labelsBadRequest("the label request is cancelled")
	}
	l := returns.Label{TrackingNumber: in.TrackingNumber, Carrier: in.Carrier, PostageLabelURL: in.LabelURL, Status: string(shipping.StatusPreTransit)}
	if in.TrackingURL != nil {
		l.TrackingURL = *in.TrackingURL
	}
	if _, err := a.app.SetReturnLabel(r.Context(), actorOf(key), key.StoreID, ret.ID, l); err != nil {
		return err
	}
	id, err := a.labelID(r.Context(), key.StoreID, ret.ID+"/"+in.TrackingNumber)
	if err != nil {
		return err
	}
	tu := ""
	if in.TrackingURL != nil {
		tu = *in.TrackingURL
	}
	write(w, http.StatusOK, labelJSON{ID: id, TrackingNumber: in.TrackingNumber, TrackingURL: tu, Carrier: in.Carrier, LabelURL: in.LabelURL,
		QRCodeURL: in.QRCodeURL, Rate: *in.Rate, Status: "new", CreatedAt: a.now().UTC().Format(time.RFC3339)})
	return nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

func (a *API) labelID(ctx context.Context, storeID, native string) (int64, error) {
	var id int64
	err := a.app.Store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.AssignLoopIDs(ctx, storeID, kindLabel, []string{native})
		id = m[native]
		return err
	})
	return id, err
}

var labelStatuses = map[string]shipping.TrackingStatus{"new": shipping.StatusPreTransit, "pre_transit": shipping.StatusPreTransit,
	"in_transit": shipping.StatusInTransit, "out_for_delivery": shipping.StatusOutForDelivery, "delivered": shipping.StatusDelivered}

func (a *API) updateLabel(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return labelsBadRequest("id must be a label id")
	}
	var in struct {
		Status *string `json:"status"`
	}
	if err := decodeLabels(w, r, &in); err != nil {
		return err
	}
	st, ok := labelStatuses[deref(in.Status)]
	if !ok {
		return labelsBadRequest("status is required: one of new, pre_transit, in_transit, out_for_delivery, delivered")
	}
	var ret *returns.Return
	var tn string
	err = a.app.Store.View(ctx, func(tx store.ReadTx) error {
		native, err := tx.LoopNativeID(ctx, key.StoreID, kindLabel, id)
		if err != nil {
			return err
		}
		rid, t, _ := strings.Cut(native, "/")
		tn = t
		ret, err = tx.GetReturn(ctx, key.StoreID, rid)
		return err
	})
	if returns.IsNotFound(err) {
		return labelsBadRequest(fmt.Sprintf("no label has the id %d", id))
	}
	if err != nil {
		return err
	}
	if ret.Label == nil || ret.Label.TrackingNumber != tn {
		return labelsBadRequest(fmt.Sprintf("label %d is no longer the return's label", id))
	}
	l := *ret.Label
	l.Status = string(st)
	if _, err := a.app.SetReturnLabel(ctx, actorOf(key), key.StoreID, ret.ID, l); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *API) generateLabel(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	bare := func(status int) error { w.WriteHeader(status); return nil }
	id, err := strconv.ParseInt(r.PathValue("returnId"), 10, 64)
	if err != nil || id <= 0 {
		return bare(http.StatusNotFound)
	}
	native, err := store.Read(ctx, a.app.Store, func(tx store.ReadTx) (string, error) {
		return tx.LoopNativeID(ctx, key.StoreID, store.LoopKindReturn, id)
	})
	if returns.IsNotFound(err) {
		return bare(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	if a.ship == nil {
		return bare(http.StatusUnprocessableEntity)
	}
	switch err := a.ship.GenerateLabel(ctx, key.StoreID, native); returns.ErrorCode(err) {
	case "":
	case returns.ENOTFOUND:
		return bare(http.StatusNotFound)
	case returns.ECONFLICT:
		return bare(http.StatusConflict)
	case returns.EUNPROCESSABLE:
		return bare(http.StatusUnprocessableEntity)
	default:
		return err
	}
	write(w, http.StatusAccepted, map[string]any{"message": "Label generation queued", "returnId": id})
	return nil
}
