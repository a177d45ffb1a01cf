package shipping

// TrackingStatus is the state of a shipment in transit, spelled as Redo's
// return `shipments[].status` (npm @redotech/redo-api-schema 2.2.693), which
// is EasyPost's tracker status set plus "expired".
type TrackingStatus string

// Tracking statuses.
const (
	StatusUnknown            TrackingStatus = "unknown"
	StatusPreTransit         TrackingStatus = "pre_transit" // label created, not yet scanned
	StatusInTransit          TrackingStatus = "in_transit"
	StatusOutForDelivery     TrackingStatus = "out_for_delivery"
	StatusAvailableForPickup TrackingStatus = "available_for_pickup"
	StatusCancelled          TrackingStatus = "cancelled" // label voided or shipment cancelled
	StatusDelivered          TrackingStatus = "delivered"
	StatusError              TrackingStatus = "error" // the carrier reported an error for the tracker
	StatusFailure            TrackingStatus = "failure"
	StatusReturnToSender     TrackingStatus = "return_to_sender"
	StatusExpired            TrackingStatus = "expired" // never shipped
)

// TrackingStatuses lists every status, in Redo's order.
var TrackingStatuses = []TrackingStatus{
	StatusUnknown, StatusPreTransit, StatusInTransit, StatusOutForDelivery,
	StatusAvailableForPickup, StatusCancelled, StatusDelivered, StatusError,
	StatusFailure, StatusReturnToSender, StatusExpired,
}

// Valid reports whether s is one of TrackingStatuses.
func (s TrackingStatus) Valid() bool {
	for _, v := range TrackingStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// ParseTrackingStatus returns s as a TrackingStatus, or StatusUnknown with
// ok false when s is not one of TrackingStatuses. Carriers use it to map a
// status they do not know to "unknown" rather than fail.
func ParseTrackingStatus(s string) (status TrackingStatus, ok bool) {
	if t := TrackingStatus(s); t.Valid() {
		return t, true
	}
	return StatusUnknown, false
}

// Final reports whether no further movement is expected: delivered,
// cancelled, return_to_sender, failure or expired.
func (s TrackingStatus) Final() bool {
	switch s {
	case StatusDelivered, StatusCancelled, StatusReturnToSender, StatusFailure, StatusExpired:
		return true
	}
	return false
}

// Moving reports whether the carrier has the parcel (it has been scanned
// and is not yet final): in_transit, out_for_delivery, available_for_pickup.
func (s TrackingStatus) Moving() bool {
	switch s {
	case StatusInTransit, StatusOutForDelivery, StatusAvailableForPickup:
		return true
	}
	return false
}
