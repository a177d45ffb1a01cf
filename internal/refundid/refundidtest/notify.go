package refundidtest

import (
	"bytes"
	"context"
	"encoding/json"
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
