package returns

import "testing"

// An update of the same shipment keeps what it leaves empty; another
// tracking number is a new label, taken as it is.
func TestLabelUpdate(t *testing.T) {
	bought := Label{TrackingNumber: "1Z1", Carrier: "UPS", TrackingURL: "https://t/1Z1", PostageLabelURL: "https://l/1.pdf",
		FormLabelURL: "https://l/1.png", Status: "pre_transit", ShipmentID: "shp_1", EstimatedDeliveryDate: "2026-12-05T00:00:00Z"}

	got := bought.Update(Label{TrackingNumber: "1Z1", Status: "in_transit"})
	want := bought
	want.Status = "in_transit"
	if got != want {
		t.Errorf("status update = %+v\nwant %+v", got, want)
	}
	got = bought.Update(Label{TrackingNumber: "1Z1", Carrier: "UPS Ground", DeliveredAt: "2026-12-04T10:00:00Z"})
	want = bought
	want.Carrier, want.DeliveredAt = "UPS Ground", "2026-12-04T10:00:00Z"
	if got != want {
		t.Errorf("carrier update = %+v\nwant %+v", got, want)
	}
	other := Label{TrackingNumber: "9400", Carrier: "USPS"}
	if got := bought.Update(other); got != other {
		t.Errorf("another tracking number = %+v, want it as given", got)
	}
}
