package refundidtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/reboundhq/rebound/internal/refundid"
)

// Delivery is the fate of one notification.
type Delivery struct {
	Status   refundid.Status
	Attempts int    // tries made, 1..NotifyAttempts
	Code     int    // the last answer's HTTP status; 0 when none came
	Err      string // the last transport error, if any
	Accepted bool   // the merchant answered 2xx
}

// Deliver posts notifications about a confirmed refund to the merchant's
// NotifyURL, one per status, in the order given; with no statuses, the
// documented pair: refunding, then the refund's outcome. Duplicates and
// reordering are expressed by the list (e.g. refundid, refunding,
// refundid). The body is the refund's record with that status; the privacy
// key of the refund's link, if any, goes in the "key" query parameter
// (GAP).
//
// A notification the merchant does not accept (no answer or not 2xx) is
// tried again, up to NotifyAttempts times in all, at once. Deliver returns
// every delivery; the error wraps ErrMerchant when a notification was never
// accepted (the later ones are still sent), ErrSession when there is no
// such refund, or is ctx's when it ends.
func (s *Server) Deliver(ctx context.Context, refundidID string, statuses ...refundid.Status) ([]Delivery, error) {
	rec, ok := s.Refund(refundidID)
	if !ok {
		return nil, fmt.Errorf("%w: no refund %q", ErrSession, refundidID)
	}
	if len(statuses) == 0 {
		statuses = []refundid.Status{refundid.StatusRefunding, rec.Status}
	}
	s.mu.Lock()
	key := s.keyOf[refundidID]
	s.mu.Unlock()
	u, err := url.Parse(s.cfg.NotifyURL)
	if err != nil || s.cfg.NotifyURL == "" {
		return nil, fmt.Errorf("%w: notify URL %q", ErrMerchant, s.cfg.NotifyURL)
	}
	if key != "" {
		q := u.Query()
		q.Set(refundid.ParamKey, key)
		u.RawQuery = q.Encode()
	}
	var out []Delivery
	var failed error
	for _, st := range statuses {
		body := rec
		body.Status = st
		b, err := json.Marshal(body)
		if err != nil {
			return out, err
		}
		d := Delivery{Status: st}
		for d.Attempts < s.cfg.NotifyAttempts && !d.Accepted {
			if err := ctx.Err(); err != nil {
				return append(out, d), err
			}
			d.Attempts++
			resp, err := s.do(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
			if err != nil {
				d.Code, d.Err = 0, err.Error()
				continue
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Code, d.Err = resp.StatusCode, ""
			d.Accepted = resp.StatusCode >= 200 && resp.StatusCode < 300
		}
		if !d.Accepted && failed == nil {
			failed = fmt.Errorf("%w: notification %q of %s was not accepted after %d attempts", ErrMerchant, st, refundidID, d.Attempts)
		}
		out = append(out, d)
	}
	return out, failed
}

// HTTP control endpoints, thin wrappers of the methods above, for when the
// fake runs on its own.

func (s *Server) servePortal(w http.ResponseWriter, r *http.Request) {
	sess, err := s.Open(r.Context(), r.URL.String())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) serveChoose(w http.ResponseWriter, r *http.Request) {
	var items []Choice
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&items); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	if err := s.Choose(r.PathValue("id"), items); err != nil {
		writeError(w, err)
		return
	}
	sess, err := s.Session(r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) serveConfirm(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Outcome refundid.Status `json:"outcome"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	id, err := s.Confirm(r.PathValue("id"), body.Outcome)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"refundid_id": id})
}

func (s *Server) serveDeliver(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Statuses []refundid.Status `json:"statuses"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
			return
		}
	}
	ds, err := s.Deliver(r.Context(), r.PathValue("id"), body.Statuses...)
	if err != nil && !errors.Is(err, ErrMerchant) {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

// writeError answers 400 for a bad link or choice, 409 for an unknown
// session or a step out of order and 502 for a merchant failure.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrLink), errors.Is(err, ErrChoice):
		status = http.StatusBadRequest
	case errors.Is(err, ErrSession):
		status = http.StatusConflict
	case errors.Is(err, ErrMerchant):
		status = http.StatusBadGateway
	}
	writeJSON(w, status, map[string]string{"message": err.Error()})
}
