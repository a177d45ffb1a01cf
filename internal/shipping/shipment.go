package shipping

import "time"

// DocumentType says what a shipment document is.
type DocumentType string

// Document types, after Redo's return shipment `postageLabel` and
// `formLabel` URLs.
const (
	DocumentLabel DocumentType = "label" // the postage label to stick on the parcel
	DocumentForm  DocumentType = "form"  // a customs or carrier form to print along
)

// Document is a reference to a printable document of a shipment. Either
// URL (the carrier hosts it) or Key (Rebound stores it; the built-in
// carrier's labels are rendered on demand) is set.
type Document struct {
	Type        DocumentType
	URL         string
	Key         string
	ContentType string // e.g. "application/pdf", "image/png"
}

// Shipment is a purchased label and the parcel's tracking state.
type Shipment struct {
	// Ref is the carrier's identifier of the shipment, used to void it.
	Ref            string
	Carrier        string
	Service        string
	TrackingNumber string
	Status         TrackingStatus
	TrackingURL    string // public tracking page; may be empty
	Documents      []Document
	// Rate is the rate that was bought.
	Rate Rate
	// EstimatedDelivery is the carrier's estimate, nil when unknown.
	EstimatedDelivery *time.Time
	// IdempotencyKey is the key the shipment was bought with.
	IdempotencyKey string
	IsReturn       bool
	Reference      string // the caller's reference, e.g. the return (RMA) id
	CreatedAt      time.Time
}

// Label returns the first DocumentLabel document and whether there is one.
func (s *Shipment) Label() (Document, bool) {
	for _, d := range s.Documents {
		if d.Type == DocumentLabel {
			return d, true
		}
	}
	return Document{}, false
}

// TrackingEvent is one scan or status change reported by a carrier.
type TrackingEvent struct {
	Time     time.Time
	Status   TrackingStatus
	Message  string
	Location string // "City, ST, CC" as far as known; may be empty
}

// TrackingInfo is the current tracking state of a parcel.
type TrackingInfo struct {
	TrackingNumber    string
	Carrier           string
	Status            TrackingStatus
	StatusDetail      string // the carrier's finer status, if any
	TrackingURL       string
	EstimatedDelivery *time.Time
	DeliveredAt       *time.Time
	// Events are oldest first.
	Events []TrackingEvent
}
