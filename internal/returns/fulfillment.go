package returns

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ShipmentStatus is a carrier tracking status of a fulfillment's shipment,
// or one of the automation events Redo's Orders API accepts in its place
// (IsEvent).
type ShipmentStatus string

// Shipment statuses, as Redo's Orders API names them.
const (
	ShipmentPreTransit         ShipmentStatus = "pre_transit"
	ShipmentUnknown            ShipmentStatus = "unknown"
	ShipmentInTransit          ShipmentStatus = "in_transit"
	ShipmentOutForDelivery     ShipmentStatus = "out_for_delivery"
	ShipmentAvailableForPickup ShipmentStatus = "available_for_pickup"
	ShipmentDelivered          ShipmentStatus = "delivered"
	ShipmentReturnToSender     ShipmentStatus = "return_to_sender"
	ShipmentFailure            ShipmentStatus = "failure"
	ShipmentCancelled          ShipmentStatus = "cancelled"
	ShipmentError              ShipmentStatus = "error"
)

// Automation events: they are recorded in the tracking history but leave
// the fulfillment's status as it is.
const (
	ShipmentStalledInTransit ShipmentStatus = "stalled_in_transit"
	ShipmentDelayed          ShipmentStatus = "delayed"
	ShipmentArrivingEarly    ShipmentStatus = "arriving_early"
)

// shipmentStatuses are the statuses a fulfillment can be in (and a dummy
// tracker can start in), in the order Redo's schema lists them.
var shipmentStatuses = []ShipmentStatus{
	ShipmentPreTransit, ShipmentUnknown, ShipmentInTransit, ShipmentOutForDelivery, ShipmentAvailableForPickup,
	ShipmentDelivered, ShipmentReturnToSender, ShipmentFailure, ShipmentCancelled, ShipmentError,
}

// shipmentEvents are the automation events.
var shipmentEvents = []ShipmentStatus{ShipmentStalledInTransit, ShipmentDelayed, ShipmentArrivingEarly}

// IsEvent reports whether s is an automation event rather than a status.
func (s ShipmentStatus) IsEvent() bool { return slices.Contains(shipmentEvents, s) }

func quoted(ss []ShipmentStatus) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = `"` + string(s) + `"`
	}
	return strings.Join(q, ", ")
}

// ParseShipmentStatus parses a fulfillment status (what a dummy tracker may
// start in). EINVALID naming field otherwise.
func ParseShipmentStatus(field, s string) (ShipmentStatus, error) {
	if st := ShipmentStatus(s); slices.Contains(shipmentStatuses, st) {
		return st, nil
	}
	return "", Invalid(field, fmt.Sprintf("unknown status %q; expected one of %s", s, quoted(shipmentStatuses)))
}

// ParseShipmentUpdate parses the status of a shipment-status update: any
// status but unknown, or an automation event. EINVALID naming field
// otherwise.
func ParseShipmentUpdate(field, s string) (ShipmentStatus, error) {
	st := ShipmentStatus(s)
	if (slices.Contains(shipmentStatuses, st) && st != ShipmentUnknown) || st.IsEvent() {
		return st, nil
	}
	allowed := append(slices.DeleteFunc(slices.Clone(shipmentStatuses), func(x ShipmentStatus) bool { return x == ShipmentUnknown }), shipmentEvents...)
	return "", Invalid(field, fmt.Sprintf("unknown status %q; expected one of %s", s, quoted(allowed)))
}

// TrackingLocation is where a tracking event happened; empty strings mean
// not given.
type TrackingLocation struct {
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
}

// TrackingEvent is one entry of a fulfillment's tracking history.
type TrackingEvent struct {
	Status   ShipmentStatus    `json:"status"`
	Message  string            `json:"message"`
	At       time.Time         `json:"at"`
	Location *TrackingLocation `json:"location,omitempty"`
}

// MaxTrackingEvents bounds a fulfillment's tracking history; older events
// are dropped first.
const MaxTrackingEvents = 500

// EventOrderFulfillment is the event kind recorded when a fulfillment is
// created or its shipment status changes (payload: order and fulfillment
// ids, status).
const EventOrderFulfillment = "order.fulfillment"

// ShipmentUpdate is a tracking status or automation event for a
// fulfillment.
type ShipmentUpdate struct {
	Status ShipmentStatus
	// Message is the event's text; "" uses a default for the status.
	Message string
	// At is when the event happened; zero means now.
	At time.Time
	// EstimatedDelivery, YYYY-MM-DD, replaces the estimate when not "".
	EstimatedDelivery string
	Location          *TrackingLocation
}

// defaultMessages are the history texts of updates sent without one.
var defaultMessages = map[ShipmentStatus]string{
	ShipmentPreTransit: "Shipping label created", ShipmentUnknown: "Status unknown", ShipmentInTransit: "In transit",
	ShipmentOutForDelivery: "Out for delivery", ShipmentAvailableForPickup: "Available for pickup", ShipmentDelivered: "Delivered",
	ShipmentReturnToSender: "Returning to sender", ShipmentFailure: "Delivery failed", ShipmentCancelled: "Shipment cancelled",
	ShipmentError: "Tracking error", ShipmentStalledInTransit: "Stalled in transit", ShipmentDelayed: "Delayed",
	ShipmentArrivingEarly: "Arriving early",
}

// Apply records u at now: it appends a tracking event (keeping at most
// MaxTrackingEvents), replaces the estimated delivery date when u has one
// and, unless u is an automation event, sets the status. A delivered
// status sets DeliveryDate to the event's time, which is what a return
// window counted from delivery starts from (Eligibility).
func (f *Fulfillment) Apply(u ShipmentUpdate, now time.Time) {
	at := u.At
	if at.IsZero() {
		at = now
	}
	at = at.UTC()
	msg := u.Message
	if msg == "" {
		msg = defaultMessages[u.Status]
	}
	f.History = append(f.History, TrackingEvent{Status: u.Status, Message: msg, At: at, Location: u.Location})
	if n := len(f.History) - MaxTrackingEvents; n > 0 {
		f.History = slices.Delete(f.History, 0, n)
	}
	if u.EstimatedDelivery != "" {
		f.EstimatedDelivery = u.EstimatedDelivery
	}
	if u.Status.IsEvent() {
		return
	}
	f.Status = u.Status
	if u.Status == ShipmentDelivered {
		f.DeliveryDate = &at
	}
}

// CurrentStatus is f's status: the one last applied, or for a synced
// fulfillment one derived from its dates (delivered when it has a delivery
// date, in transit when it has a shipping date, else pre-transit).
func (f *Fulfillment) CurrentStatus() ShipmentStatus {
	switch {
	case f.Status != "":
		return f.Status
	case f.DeliveryDate != nil:
		return ShipmentDelivered
	case f.ShippingDate != nil:
		return ShipmentInTransit
	}
	return ShipmentPreTransit
}

// Fulfillment returns o's fulfillment with that id, or nil.
func (o *Order) Fulfillment(id string) *Fulfillment {
	for i := range o.Fulfillments {
		if o.Fulfillments[i].ID == id {
			return &o.Fulfillments[i]
		}
	}
	return nil
}

// AddFulfillment appends f to o and counts its units as fulfilled: each
// line's FulfilledQuantity grows by the units f ships and so does its
// ReturnableQuantity (never above the line's quantity; the coverage line
// stays at 0), so that fulfilled units become returnable exactly as those
// of a synced order (see Eligibility).
//
// It returns EINVALID errors (joined, one per problem) naming the member of
// f.Lines as "lineItems[i].id" or "lineItems[i].quantity" when f ships no
// lines, names a line o does not have, ships fewer than 1 unit, or would
// bring a line's fulfilled units above its quantity; ECONFLICT when o has
// a fulfillment with f's ID. o is unchanged on error.
func (o *Order) AddFulfillment(f Fulfillment) error {
	if f.ID == "" {
		return Invalid("fulfillmentId", "must not be empty")
	}
	if o.Fulfillment(f.ID) != nil {
		return Errorf(ECONFLICT, "order %q already has a fulfillment %q with other line items or tracking", o.ExternalID, f.ID)
	}
	if len(f.Lines) == 0 {
		return Invalid("lineItems", "must have at least one item")
	}
	index := make(map[string]int, len(o.Lines))
	for i := range o.Lines {
		if _, dup := index[o.Lines[i].ID]; !dup {
			index[o.Lines[i].ID] = i
		}
	}
	var errs []error
	adds := make(map[int]int)
	for i, fl := range f.Lines {
		j, ok := index[fl.LineID]
		switch {
		case !ok:
			errs = append(errs, Invalid(fmt.Sprintf("lineItems[%d].id", i), fmt.Sprintf("unknown line item %q", fl.LineID)))
			continue
		case fl.Quantity < 1:
			errs = append(errs, Invalid(fmt.Sprintf("lineItems[%d].quantity", i), "must be at least 1"))
			continue
		}
		l := &o.Lines[j]
		adds[j] += fl.Quantity
		if l.FulfilledQuantity+adds[j] > l.Quantity {
			errs = append(errs, Invalid(fmt.Sprintf("lineItems[%d].quantity", i), fmt.Sprintf(
				"only %d of line item %q are unfulfilled (quantity %d, fulfilled %d)",
				max(l.Quantity-l.FulfilledQuantity-(adds[j]-fl.Quantity), 0), l.ID, l.Quantity, l.FulfilledQuantity)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for j, q := range adds {
		l := &o.Lines[j]
		l.FulfilledQuantity += q
		if !l.IsCoverage() {
			l.ReturnableQuantity = min(l.ReturnableQuantity+q, l.Quantity)
		}
	}
	o.Fulfillments = append(o.Fulfillments, f)
	return nil
}

// SameShipment reports whether f and g ship the same units of the same
// lines with the same tracking numbers (a repeated create request).
func (f *Fulfillment) SameShipment(g *Fulfillment) bool {
	count := func(x *Fulfillment) map[string]int {
		m := map[string]int{}
		for _, l := range x.Lines {
			m[l.LineID] += l.Quantity
		}
		return m
	}
	a, b := count(f), count(g)
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return slices.Equal(f.TrackingNumbers, g.TrackingNumbers)
}

// CarryFulfillments is for an order o that replaces prev (the same order
// sent again without its fulfillments): it copies prev's fulfillments to o
// and sets each of o's lines' FulfilledQuantity and ReturnableQuantity to
// the units they ship. ECONFLICT, naming the line, when a line that was
// fulfilled is missing from o or now has fewer units than were fulfilled.
func (o *Order) CarryFulfillments(prev *Order) error {
	fulfilled := map[string]int{}
	for _, f := range prev.Fulfillments {
		for _, fl := range f.Lines {
			fulfilled[fl.LineID] += fl.Quantity
		}
	}
	seen := map[string]bool{}
	for i := range o.Lines {
		l := &o.Lines[i]
		q := fulfilled[l.ID]
		seen[l.ID] = true
		if q > l.Quantity {
			return Errorf(ECONFLICT, "lineItems[%d].quantity: line item %q has %d fulfilled units; its quantity cannot be %d", i, l.ID, q, l.Quantity)
		}
		l.FulfilledQuantity = q
		l.ReturnableQuantity = 0
		if !l.IsCoverage() {
			l.ReturnableQuantity = q
		}
	}
	ids := make([]string, 0, len(fulfilled))
	for id, q := range fulfilled {
		if q > 0 && !seen[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		return Errorf(ECONFLICT, "lineItems: line item %q has fulfilled units and cannot be removed from the order", ids[0])
	}
	o.Fulfillments = slices.Clone(prev.Fulfillments)
	return nil
}
