package shipsvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost"
	"github.com/reboundhq/rebound/internal/shipping/ratetable"
	"github.com/reboundhq/rebound/internal/store"
)

// Scan records a warehouse scan of a built-in carrier's parcel, found by
// its tracking number or by its return (RMA) id: the shipment's status
// becomes status (delivered when ""), and the return moves as
// app.SetReturnLabel says (in_transit, delivered). EINVALID for an unknown
// status; ENOTFOUND when the store has no such shipment or return;
// EUNPROCESSABLE for a shipment of another carrier (EasyPost tracks its
// own); ECONFLICT when the shipment's status is already final.
func (s *Service) Scan(ctx context.Context, storeID, code string, status shipping.TrackingStatus) (*Purchase, error) {
	if status == "" {
		status = shipping.StatusDelivered
	}
	if !status.Valid() {
		return nil, returns.Invalid("status", fmt.Sprintf("unknown shipment status %q", clip(string(status))))
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, returns.Invalid("code", "is required: a tracking number or a return id")
	}
	rec, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShipmentRecord, error) {
		if rec, err := tx.GetShipmentByTracking(ctx, storeID, code); err == nil || !returns.IsNotFound(err) {
			return rec, err
		}
		r, err := tx.GetReturn(ctx, storeID, strings.TrimPrefix(code, "RMA:"))
		if err != nil {
			return nil, returns.Errorf(returns.ENOTFOUND, "no shipment or return of this store has the code %q", clip(code))
		}
		if r.Label == nil || r.Label.ShipmentID == "" {
			return nil, returns.Errorf(returns.ENOTFOUND, "return %s has no label bought by Rebound", r.ID)
		}
		return tx.GetShipment(ctx, storeID, r.Label.ShipmentID)
	})
	if err != nil {
		return nil, err
	}
	if rec.Carrier != CarrierRateTable {
		return nil, returns.Errorf(returns.EUNPROCESSABLE, "shipment %s is tracked by %s, not by warehouse scans", rec.ID, rec.Carrier)
	}
	c, err := s.carrier(ctx, storeID, CarrierRateTable)
	if err != nil {
		return nil, err
	}
	rt := c.(*ratetable.Carrier)
	info, err := rt.UpdateStatus(ctx, rec.TrackingNumber, status, "Scanned at the warehouse")
	if err != nil {
		return nil, AppError(err, nil)
	}
	return s.applyTracking(ctx, storeID, rec.ID, info)
}

// applyTracking saves a carrier's tracking state on the store's shipment
// and, when the shipment is its return's label, on the return. A state
// that would move a final shipment back is ignored.
func (s *Service) applyTracking(ctx context.Context, storeID, shipmentID string, info *shipping.TrackingInfo) (*Purchase, error) {
	var p *Purchase
	changed := false
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.GetShipment(ctx, storeID, shipmentID)
		if err != nil {
			return err
		}
		if p, err = PurchaseOf(rec); err != nil {
			return err
		}
		cur := p.Shipment.Status
		if info.Status == cur || (cur.Final() && !info.Status.Final()) || rec.VoidedAt != nil {
			return nil
		}
		changed = true
		p.Shipment.Status = info.Status
		if info.EstimatedDelivery != nil {
			p.Shipment.EstimatedDelivery = info.EstimatedDelivery
		}
		if info.TrackingURL != "" {
			p.Shipment.TrackingURL = info.TrackingURL
		}
		at := tx.Now()
		msg := info.StatusDetail
		if n := len(info.Events); n > 0 {
			if !info.Events[n-1].Time.IsZero() {
				at = info.Events[n-1].Time
			}
			msg = info.Events[n-1].Message
		}
		if info.DeliveredAt != nil {
			at = *info.DeliveredAt
		}
		p.Events = append(p.Events, shipping.TrackingEvent{Time: at.UTC(), Status: info.Status, Message: msg})
		if err := p.encode(); err != nil {
			return err
		}
		return tx.UpdateShipment(ctx, rec)
	})
	if err != nil || !changed || p.Record.ReturnID == "" {
		return p, err
	}
	r, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*returns.Return, error) { return tx.GetReturn(ctx, storeID, p.Record.ReturnID) })
	if err != nil {
		return nil, err
	}
	if r.Label != nil && r.Label.ShipmentID == p.Record.ID {
		if err := s.setLabel(ctx, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// maxWebhookBody bounds EasyPost's webhook bodies.
const maxWebhookBody = 1 << 20

// Mount adds the routes EasyPost and shoppers call, outside the API's
// authentication: POST /integrations/easypost/webhooks/{token} (EasyPost's
// signed tracker events) and GET /shipping/labels/{storeId}/{shipmentId}/{token}
// (a return label's PDF, the URL in the return's postageLabel).
func (s *Service) Mount(mux *http.ServeMux, cat *httpx.Catalog) {
	for _, r := range []struct {
		pattern, surface string
		h                http.HandlerFunc
	}{
		{"POST /integrations/easypost/webhooks/{token}", "EasyPost (inbound webhooks)", s.serveWebhook},
		{"GET /shipping/labels/{storeId}/{shipmentId}/{token}", "Return labels (shoppers)", s.serveLabel},
	} {
		cat.Add(r.pattern, r.surface, httpx.SecurityNone, "")
		mux.HandleFunc(r.pattern, r.h)
	}
}

func (s *Service) serveLabel(w http.ResponseWriter, r *http.Request) {
	b, ct, err := s.PublicLabel(r.Context(), r.PathValue("storeId"), r.PathValue("shipmentId"), r.PathValue("token"))
	if err != nil {
		httpx.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// serveWebhook handles one EasyPost event: 404 for an unknown URL token,
// 401 for a bad signature, 400 for a malformed body; events other than
// tracker.* and trackers of shipments the store does not have are
// acknowledged (200) and ignored.
func (s *Service) serveWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusRequestEntityTooLarge, "the body is too large"))
		return
	}
	st, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShippingSettings, error) {
		return tx.GetShippingSettingsByWebhookToken(ctx, r.PathValue("token"))
	})
	if err != nil {
		httpx.WriteProblem(w, r, err)
		return
	}
	if s.Secrets == nil || st.EasyPostWebhookSecretSealed == "" {
		httpx.WriteProblem(w, r, errors.New("no EasyPost webhook secret to verify with"))
		return
	}
	secret, err := s.Secrets.Open(st.EasyPostWebhookSecretSealed)
	if err != nil {
		httpx.WriteProblem(w, r, fmt.Errorf("unseal the EasyPost webhook secret: %w", err))
		return
	}
	if err := easypost.VerifyWebhook(string(secret), r.Header, body); err != nil {
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusUnauthorized, "the X-Hmac-Signature header is missing or wrong"))
		return
	}
	ev, err := easypost.ParseEvent(body)
	if err != nil {
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusBadRequest, err.Error()))
		return
	}
	ack := func(note string) {
		httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"status": note})
	}
	if !strings.HasPrefix(ev.Description, "tracker.") {
		ack("ignored")
		return
	}
	t, err := ev.Tracker()
	if err != nil {
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusBadRequest, err.Error()))
		return
	}
	rec, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShipmentRecord, error) {
		return tx.GetShipmentByTracking(ctx, st.StoreID, t.TrackingCode)
	})
	if returns.IsNotFound(err) {
		ack("unknown tracker")
		return
	}
	if err != nil {
		httpx.WriteProblem(w, r, err)
		return
	}
	if _, err := s.applyTracking(ctx, st.StoreID, rec.ID, easypost.TrackingInfo(t)); err != nil {
		httpx.WriteProblem(w, r, err)
		return
	}
	ack("applied")
}
