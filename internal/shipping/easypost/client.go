package easypost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
)

// DefaultBaseURL is EasyPost's API root.
const DefaultBaseURL = "https://api.easypost.com/v2"

// CarrierName names EasyPost in errors (shipping.Error.Carrier).
const CarrierName = "easypost"

// maxAnswer bounds the answers read from EasyPost.
const maxAnswer = 8 << 20

// Options configure a Client.
type Options struct {
	// BaseURL is the API root, DefaultBaseURL when empty (a fake's URL in
	// tests).
	BaseURL string
	// HTTPClient sends the requests; when nil, a client with a 60 second
	// timeout. The client is used as is and never modified.
	HTTPClient *http.Client
	// Keys remembers which EasyPost shipment each idempotency key bought;
	// a MemoryKeys when nil (then idempotency holds within the process).
	Keys KeyStore
}

// Client calls EasyPost's API with one API key. It is safe for concurrent
// use.
type Client struct {
	key  string
	base string
	http *http.Client
	keys KeyStore
}

// New returns a client for the API key. EInvalid when the key is empty or
// the base URL is not an absolute http(s) URL.
func New(apiKey string, opts Options) (*Client, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, shipping.Invalid("apiKey", "is required")
	}
	base := opts.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, shipping.Invalid("baseUrl", "must be an absolute http or https URL")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	keys := opts.Keys
	if keys == nil {
		keys = NewMemoryKeys()
	}
	return &Client{key: apiKey, base: strings.TrimRight(base, "/"), http: hc, keys: keys}, nil
}

// do sends a request with a JSON body (nil for none) and decodes a 2xx
// answer into out (unless out is nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return shipping.Errorf(shipping.EInternal, "easypost: encoding the request: %v", err)
		}
		rd = bytes.NewReader(payload) // sets Content-Length: EasyPost refuses chunked bodies
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return shipping.Errorf(shipping.EInternal, "easypost: %v", err)
	}
	req.SetBasicAuth(c.key, "")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Rebound (+https://github.com/reboundhq/rebound)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &shipping.Error{Code: shipping.EUnavailable, Carrier: CarrierName,
			Message: "EasyPost did not answer: " + describe(err), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &shipping.Error{Code: shipping.EUnavailable, Carrier: CarrierName, HTTPStatus: resp.StatusCode,
			Message: "reading EasyPost's answer failed: " + describe(err), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		// The request may have taken effect: treat as uncertain.
		return &shipping.Error{Code: shipping.EUnavailable, Carrier: CarrierName, HTTPStatus: resp.StatusCode,
			Message: fmt.Sprintf("EasyPost's answer is not the expected JSON: %v", err), Err: err}
	}
	return nil
}

func describe(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "the request was cancelled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out"
		}
		return ue.Err.Error()
	}
	return err.Error()
}

// answerError maps an EasyPost error answer to a *shipping.Error.
func answerError(status int, data []byte) *shipping.Error {
	var body struct {
		Error *APIError `json:"error"`
	}
	e := &shipping.Error{Carrier: CarrierName, HTTPStatus: status}
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		e.CarrierCode = body.Error.Code
		e.Message = body.Error.Message
		for _, f := range body.Error.Errors {
			e.Fields = append(e.Fields, shipping.FieldError{Field: f.Field, Message: f.Message})
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("EasyPost answered %d %s", status, http.StatusText(status))
	}
	switch {
	case status == http.StatusNotFound:
		e.Code = shipping.ENotFound
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		e.Code = shipping.EUnavailable
	default:
		e.Code = shipping.ERefused
	}
	return e
}

// ShipmentRequest is the shipment to create. With IsReturn, EasyPost swaps
// the addresses on the label: pass them as for the outbound shipment
// (ToAddress the shopper, FromAddress the merchant).
type ShipmentRequest struct {
	ToAddress   Address `json:"to_address"`
	FromAddress Address `json:"from_address"`
	Parcel      Parcel  `json:"parcel"`
	IsReturn    bool    `json:"is_return,omitempty"`
	Reference   string  `json:"reference,omitempty"`
}

// CreateShipment creates a shipment; its answer carries the rates.
// ERefused for addresses EasyPost cannot verify or invalid parameters.
func (c *Client) CreateShipment(ctx context.Context, req ShipmentRequest) (*Shipment, error) {
	var s Shipment
	err := c.do(ctx, http.MethodPost, "/shipments", map[string]any{"shipment": req}, &s)
	return result(&s, err)
}

// GetShipment retrieves a shipment; ENotFound for an unknown id.
func (c *Client) GetShipment(ctx context.Context, id string) (*Shipment, error) {
	if err := checkID(id, "shp_"); err != nil {
		return nil, err
	}
	var s Shipment
	err := c.do(ctx, http.MethodGet, "/shipments/"+url.PathEscape(id), nil, &s)
	return result(&s, err)
}

// BuyShipment buys the rate of a shipment and returns the bought shipment
// with its postage label and tracker. ENotFound for an unknown shipment;
// ERefused for an unknown rate or a shipment already bought.
func (c *Client) BuyShipment(ctx context.Context, id, rateID string) (*Shipment, error) {
	if err := checkID(id, "shp_"); err != nil {
		return nil, err
	}
	if err := checkID(rateID, "rate_"); err != nil {
		return nil, err
	}
	var s Shipment
	err := c.do(ctx, http.MethodPost, "/shipments/"+url.PathEscape(id)+"/buy", map[string]any{"rate": map[string]string{"id": rateID}}, &s)
	return result(&s, err)
}

// RefundShipment asks EasyPost to refund (void) a bought shipment; the
// answer's RefundStatus says how the carrier took it ("submitted",
// "refunded", "rejected", "not_applicable").
func (c *Client) RefundShipment(ctx context.Context, id string) (*Shipment, error) {
	if err := checkID(id, "shp_"); err != nil {
		return nil, err
	}
	var s Shipment
	err := c.do(ctx, http.MethodPost, "/shipments/"+url.PathEscape(id)+"/refund", nil, &s)
	return result(&s, err)
}

// CreateTracker starts tracking a tracking code (carrier optional: EasyPost
// detects it). EasyPost returns the existing tracker for a code it already
// tracks.
func (c *Client) CreateTracker(ctx context.Context, trackingCode, carrier string) (*Tracker, error) {
	t := map[string]string{"tracking_code": trackingCode}
	if carrier != "" {
		t["carrier"] = carrier
	}
	var tr Tracker
	err := c.do(ctx, http.MethodPost, "/trackers", map[string]any{"tracker": t}, &tr)
	return result(&tr, err)
}

// GetTracker retrieves a tracker; ENotFound for an unknown id.
func (c *Client) GetTracker(ctx context.Context, id string) (*Tracker, error) {
	if err := checkID(id, "trk_"); err != nil {
		return nil, err
	}
	var tr Tracker
	err := c.do(ctx, http.MethodGet, "/trackers/"+url.PathEscape(id), nil, &tr)
	return result(&tr, err)
}

func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// checkID rejects ids that are not EasyPost ids of the expected kind, so
// that no request is sent for them.
func checkID(id, prefix string) error {
	field := strings.TrimSuffix(prefix, "_") + "Id"
	if !strings.HasPrefix(id, prefix) || len(id) > 64 || len(id) == len(prefix) {
		return shipping.Invalid(field, fmt.Sprintf("must be an EasyPost id starting with %q", prefix))
	}
	for _, r := range id[len(prefix):] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return shipping.Invalid(field, fmt.Sprintf("must be an EasyPost id starting with %q", prefix))
		}
	}
	return nil
}
