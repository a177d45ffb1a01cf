package easypost

import (
	"bytes"
	"encoding/json"
	"time"
)

// Address is EasyPost's Address object ("adr_...").
type Address struct {
	ID      string `json:"id,omitempty"`
	Object  string `json:"object,omitempty"`
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
	Street1 string `json:"street1,omitempty"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
}

// Parcel is EasyPost's Parcel object: dimensions in inches, weight in
// ounces.
type Parcel struct {
	ID                string   `json:"id,omitempty"`
	Object            string   `json:"object,omitempty"`
	Length            *float64 `json:"length,omitempty"`
	Width             *float64 `json:"width,omitempty"`
	Height            *float64 `json:"height,omitempty"`
	Weight            float64  `json:"weight"`
	PredefinedPackage string   `json:"predefined_package,omitempty"`
}

// Rate is EasyPost's Rate object ("rate_..."). Rate is a decimal string in
// Currency.
type Rate struct {
	ID                     string `json:"id"`
	Object                 string `json:"object,omitempty"`
	Mode                   string `json:"mode,omitempty"`
	Service                string `json:"service"`
	Carrier                string `json:"carrier"`
	CarrierAccountID       string `json:"carrier_account_id,omitempty"`
	ShipmentID             string `json:"shipment_id,omitempty"`
	Rate                   string `json:"rate"`
	Currency               string `json:"currency"`
	RetailRate             string `json:"retail_rate,omitempty"`
	ListRate               string `json:"list_rate,omitempty"`
	DeliveryDays           *int   `json:"delivery_days"`
	EstDeliveryDays        *int   `json:"est_delivery_days,omitempty"`
	DeliveryDate           *Time  `json:"delivery_date,omitempty"`
	DeliveryDateGuaranteed bool   `json:"delivery_date_guaranteed,omitempty"`
}

// PostageLabel is EasyPost's PostageLabel object ("pl_...").
type PostageLabel struct {
	ID              string `json:"id,omitempty"`
	Object          string `json:"object,omitempty"`
	LabelURL        string `json:"label_url"`
	LabelPDFURL     string `json:"label_pdf_url,omitempty"`
	LabelFileType   string `json:"label_file_type,omitempty"`
	LabelSize       string `json:"label_size,omitempty"`
	LabelResolution int    `json:"label_resolution,omitempty"`
	LabelDate       *Time  `json:"label_date,omitempty"`
}

// TrackingLocation is where a tracking event happened.
type TrackingLocation struct {
	Object  string `json:"object,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Country string `json:"country,omitempty"`
	Zip     string `json:"zip,omitempty"`
}

// TrackingDetail is one event of a Tracker.
type TrackingDetail struct {
	Object           string            `json:"object,omitempty"`
	Message          string            `json:"message"`
	Status           string            `json:"status"`
	StatusDetail     string            `json:"status_detail,omitempty"`
	Datetime         *Time             `json:"datetime,omitempty"`
	Source           string            `json:"source,omitempty"`
	TrackingLocation *TrackingLocation `json:"tracking_location,omitempty"`
}

// Tracker is EasyPost's Tracker object ("trk_...").
type Tracker struct {
	ID              string           `json:"id"`
	Object          string           `json:"object,omitempty"`
	Mode            string           `json:"mode,omitempty"`
	TrackingCode    string           `json:"tracking_code"`
	Status          string           `json:"status"`
	StatusDetail    string           `json:"status_detail,omitempty"`
	Carrier         string           `json:"carrier,omitempty"`
	ShipmentID      string           `json:"shipment_id,omitempty"`
	PublicURL       string           `json:"public_url,omitempty"`
	SignedBy        string           `json:"signed_by,omitempty"`
	EstDeliveryDate *Time            `json:"est_delivery_date,omitempty"`
	TrackingDetails []TrackingDetail `json:"tracking_details"`
	CreatedAt       *Time            `json:"created_at,omitempty"`
	UpdatedAt       *Time            `json:"updated_at,omitempty"`
}

// Message is a carrier message on a shipment, e.g. why a carrier gave no
// rate.
type Message struct {
	Carrier string `json:"carrier,omitempty"`
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
}

// Shipment is EasyPost's Shipment object ("shp_...").
type Shipment struct {
	ID           string        `json:"id"`
	Object       string        `json:"object,omitempty"`
	Mode         string        `json:"mode,omitempty"`
	Reference    string        `json:"reference,omitempty"`
	Status       string        `json:"status,omitempty"`
	IsReturn     bool          `json:"is_return"`
	ToAddress    *Address      `json:"to_address,omitempty"`
	FromAddress  *Address      `json:"from_address,omitempty"`
	Parcel       *Parcel       `json:"parcel,omitempty"`
	Rates        []Rate        `json:"rates"`
	SelectedRate *Rate         `json:"selected_rate"`
	PostageLabel *PostageLabel `json:"postage_label"`
	TrackingCode string        `json:"tracking_code,omitempty"`
	Tracker      *Tracker      `json:"tracker,omitempty"`
	RefundStatus string        `json:"refund_status,omitempty"`
	Messages     []Message     `json:"messages,omitempty"`
	CreatedAt    *Time         `json:"created_at,omitempty"`
	UpdatedAt    *Time         `json:"updated_at,omitempty"`
}

// Bought reports whether postage was bought for the shipment.
func (s *Shipment) Bought() bool {
	return s.SelectedRate != nil && s.PostageLabel != nil && s.TrackingCode != ""
}

// Event is EasyPost's webhook Event object ("evt_..."): Description names
// the event ("tracker.updated"), Result holds the object it is about.
type Event struct {
	ID                 string          `json:"id"`
	Object             string          `json:"object,omitempty"`
	Mode               string          `json:"mode,omitempty"`
	Description        string          `json:"description"`
	Status             string          `json:"status,omitempty"`
	PreviousAttributes map[string]any  `json:"previous_attributes,omitempty"`
	Result             json.RawMessage `json:"result"`
	PendingURLs        []string        `json:"pending_urls,omitempty"`
	CompletedURLs      []string        `json:"completed_urls,omitempty"`
	CreatedAt          *Time           `json:"created_at,omitempty"`
	UpdatedAt          *Time           `json:"updated_at,omitempty"`
}

// APIError is the "error" member of an EasyPost error answer.
type APIError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors,omitempty"`
}

// FieldError is one element of APIError.Errors. EasyPost sends either
// objects or plain strings; a string becomes a FieldError with only a
// Message.
type FieldError struct {
	Field      string  `json:"field,omitempty"`
	Message    string  `json:"message"`
	Suggestion *string `json:"suggestion,omitempty"`
}

// UnmarshalJSON accepts an object or a string.
func (f *FieldError) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*f = FieldError{}
		return json.Unmarshal(b, &f.Message)
	}
	type plain FieldError
	return json.Unmarshal(b, (*plain)(f))
}

// Time is a timestamp as EasyPost writes them: RFC 3339, or without a time
// zone (taken as UTC), or a bare date.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"}

// MarshalJSON writes RFC 3339 in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// UnmarshalJSON reads any of the accepted forms; null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	var err error
	for _, l := range timeLayouts {
		var v time.Time
		if v, err = time.Parse(l, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return err
}

// NewTime returns t as a *Time.
func NewTime(t time.Time) *Time { return &Time{t} }
