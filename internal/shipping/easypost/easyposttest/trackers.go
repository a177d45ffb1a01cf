package easyposttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost"
)

// testCodes are EasyPost's test tracking codes and their statuses.
var testCodes = map[string]string{
	"EZ1000000001": "pre_transit",
	"EZ2000000002": "in_transit",
	"EZ3000000003": "out_for_delivery",
	"EZ4000000004": "delivered",
	"EZ5000000005": "return_to_sender",
	"EZ6000000006": "failure",
	"EZ7000000007": "unknown",
}

func (s *Server) createTracker(r *http.Request) (int, any) {
	var body struct {
		Tracker *struct {
			TrackingCode string `json:"tracking_code"`
			Carrier      string `json:"carrier"`
		} `json:"tracker"`
	}
	if err := decode(r, &body); err != nil {
		return apiError(http.StatusBadRequest, "BAD_REQUEST", err.Error())
	}
	if body.Tracker == nil || strings.TrimSpace(body.Tracker.TrackingCode) == "" {
		return apiError(http.StatusUnprocessableEntity, "TRACKER.INVALID_PARAMS", "Missing required parameter: tracking_code.",
			easypost.FieldError{Field: "tracking_code", Message: "is required"})
	}
	code := body.Tracker.TrackingCode
	if id, ok := s.byCode[code]; ok {
		return http.StatusOK, s.trackers[id]
	}
	status := "unknown"
	if st, ok := testCodes[code]; ok {
		status = st
	}
	carrier := body.Tracker.Carrier
	if carrier == "" {
		carrier = "USPS"
	}
	now := easypost.NewTime(s.opts.Now().UTC())
	tr := &easypost.Tracker{ID: newID("trk_"), Object: "Tracker", Mode: "test", TrackingCode: code, Status: status,
		Carrier: carrier, PublicURL: baseURL(r) + "/track/" + code, CreatedAt: now, UpdatedAt: now,
		TrackingDetails: []easypost.TrackingDetail{}}
	if status != "unknown" {
		tr.TrackingDetails = append(tr.TrackingDetails, easypost.TrackingDetail{Object: "TrackingDetail", Message: "Test tracking status", Status: status, Datetime: now, Source: carrier})
	}
	s.trackers[tr.ID] = tr
	s.byCode[code] = tr.ID
	return http.StatusCreated, tr
}

func (s *Server) getTracker(r *http.Request) (int, any) {
	tr, ok := s.trackers[r.PathValue("id")]
	if !ok {
		return notFound()
	}
	return http.StatusOK, tr
}

// AdvanceTracker moves the tracker of a tracking code to status (an
// EasyPost tracker status such as "in_transit"), records a tracking detail
// with message and location, and, when Options.WebhookURL is set, sends a
// signed tracker.updated event there and waits for its answer. It returns
// the event; an error when the code is unknown, the status invalid, or the
// delivery failed or was not answered with 2xx.
func (s *Server) AdvanceTracker(ctx context.Context, trackingCode, status, message string, loc *easypost.TrackingLocation) (*easypost.Event, error) {
	if _, ok := shipping.ParseTrackingStatus(status); !ok {
		return nil, fmt.Errorf("easyposttest: %q is not a tracker status", status)
	}
	s.mu.Lock()
	id, ok := s.byCode[trackingCode]
	if !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("easyposttest: no tracker for %s", trackingCode)
	}
	tr := s.trackers[id]
	previous := tr.Status
	now := easypost.NewTime(s.opts.Now().UTC())
	tr.Status, tr.UpdatedAt = status, now
	tr.TrackingDetails = append(tr.TrackingDetails, easypost.TrackingDetail{Object: "TrackingDetail", Message: message,
		Status: status, Datetime: now, Source: tr.Carrier, TrackingLocation: loc})
	result, _ := json.Marshal(tr)
	ev := &easypost.Event{ID: newID("evt_"), Object: "Event", Mode: "test", Description: "tracker.updated", Status: "pending",
		PreviousAttributes: map[string]any{"status": previous}, Result: result, CreatedAt: now, UpdatedAt: now,
		PendingURLs: []string{}, CompletedURLs: []string{}}
	if s.opts.WebhookURL != "" {
		ev.PendingURLs = []string{s.opts.WebhookURL}
	}
	s.mu.Unlock()
	if s.opts.WebhookURL == "" {
		return ev, nil
	}
	return ev, s.deliver(ctx, ev)
}

func (s *Server) deliver(ctx context.Context, ev *easypost.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "easyposttest")
	if s.opts.WebhookSecret != "" {
		req.Header.Set(easypost.SignatureHeader, easypost.Sign(s.opts.WebhookSecret, body))
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("easyposttest: delivering %s: %w", ev.ID, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("easyposttest: delivering %s: the receiver answered %d", ev.ID, resp.StatusCode)
	}
	return nil
}
