package refundid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxAPIKeyLen is the longest key Refundid generates.
const MaxAPIKeyLen = 256

// maxResponseBytes bounds an answer of Refundid's API.
const maxResponseBytes = 16 << 20

// Sentinels wrapped by *APIError, by status class.
var (
	ErrUnauthorized = errors.New("refundid: API key refused")   // 401
	ErrRequest      = errors.New("refundid: request refused")   // any other 4xx
	ErrServer       = errors.New("refundid: server error")      // 5xx
	ErrUnexpected   = errors.New("refundid: unexpected answer") // other statuses, malformed bodies
)

// APIError is an answer of Refundid's merchant API that is not a usable
// 200.
type APIError struct {
	Status  int    // HTTP status; 200 for a malformed body
	Method  string // request method
	Path    string // request path, without the query
	Message string // from the body when it has one, else the status text
}

func (e *APIError) Error() string {
	return fmt.Sprintf("refundid: %s %s: %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// Unwrap returns the sentinel of e's status class.
func (e *APIError) Unwrap() error {
	switch {
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Status >= 400 && e.Status < 500:
		return ErrRequest
	case e.Status >= 500:
		return ErrServer
	}
	return ErrUnexpected
}

// Temporary reports whether the same request may succeed later: 408, 429
// and 5xx.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Client calls Refundid's merchant API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	hc   *http.Client
}

// NewClient returns a client of the API at baseURL (Environment.APIURL, or
// a fake's URL) authenticating with apiKey in the X-Refundid-Api-Key
// header. hc nil means http.DefaultClient. It returns an error when baseURL
// is not an absolute http(s) URL or apiKey is empty, longer than
// MaxAPIKeyLen or not printable, non-whitespace ASCII.
func NewClient(baseURL, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("refundid: API URL %q is not an absolute http(s) URL", baseURL)
	}
	if apiKey == "" || len(apiKey) > MaxAPIKeyLen {
		return nil, fmt.Errorf("refundid: the API key must be 1 to %d characters", MaxAPIKeyLen)
	}
	for i := 0; i < len(apiKey); i++ {
		if apiKey[i] <= ' ' || apiKey[i] > '~' {
			return nil, errors.New("refundid: the API key must be printable ASCII without whitespace")
		}
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: u, key: apiKey, hc: hc}, nil
}

// ListReturns fetches one page of GET /v1/merchant/returns at offset (≥ 0),
// with criteria as further query parameters (GAP: no search criteria are
// documented; criteria may be nil).
//
// An answer whose refunds member is absent or null is an empty page.
// Errors: an *APIError for a non-200 answer (errors.Is ErrUnauthorized for
// 401, ErrRequest for other 4xx, ErrServer for 5xx) or for a 200 whose body
// is not a JSON object with a refunds array, or whose offset does not echo
// the request's (ErrUnexpected); the transport's error otherwise.
func (c *Client) ListReturns(ctx context.Context, offset int, criteria url.Values) (*RapiMerchantReturns, error) {
	if offset < 0 {
		return nil, fmt.Errorf("refundid: negative offset %d", offset)
	}
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + ReturnsPath
	q := url.Values{}
	for k, vs := range criteria {
		q[k] = append([]string(nil), vs...)
	}
	q.Set(ReturnsParamOffset, strconv.Itoa(offset))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(APIKeyHeader, c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	fail := func(status int, msg string) error {
		return &APIError{Status: status, Method: req.Method, Path: u.Path, Message: msg}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fail(resp.StatusCode, errorMessage(resp, body))
	}
	if len(body) > maxResponseBytes {
		return nil, fail(resp.StatusCode, "answer too large")
	}
	var page struct {
		Refunds []RapiMerchantReturn `json:"refunds"`
		Offset  *int                 `json:"offset"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fail(resp.StatusCode, "malformed answer: "+err.Error())
	}
	if page.Offset != nil && *page.Offset != offset {
		return nil, fail(resp.StatusCode, fmt.Sprintf("answer is for offset %d, not %d", *page.Offset, offset))
	}
	return &RapiMerchantReturns{Refunds: page.Refunds, Offset: offset}, nil
}

// Returns iterates over every return matching criteria, page by page from
// offset 0, each next offset being the previous plus the page's length,
// until a page is empty. GAP: Refundid documents no page size or end
// marker, so an empty page is the only end Rebound relies on.
//
// An error ends the iteration: it is yielded once, with a zero element.
// Stopping early issues no further request.
func (c *Client) Returns(ctx context.Context, criteria url.Values) iter.Seq2[RapiMerchantReturn, error] {
	return func(yield func(RapiMerchantReturn, error) bool) {
		offset := 0
		for {
			page, err := c.ListReturns(ctx, offset, criteria)
			if err != nil {
				yield(RapiMerchantReturn{}, err)
				return
			}
			if len(page.Refunds) == 0 {
				return
			}
			for _, r := range page.Refunds {
				if !yield(r, nil) {
					return
				}
			}
			offset += len(page.Refunds)
		}
	}
}

// errorMessage finds a message in an error answer. GAP: Refundid's error
// body is not documented; a JSON object's "message", "error" or "detail"
// string is used, else a short excerpt of a text body, else the status text.
func errorMessage(resp *http.Response, body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"message", "error", "detail"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "{") && len(s) <= 200 {
		return s
	}
	return http.StatusText(resp.StatusCode)
}
