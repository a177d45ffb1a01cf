package jobs

// ShippingLabelArgs asks for a return label to be bought for a return
// (internal/shipping/shipsvc). Generation counts the return's labels: 0 is
// the first, each replacement the merchant asks for is the next; a job is
// unique by its arguments, so a return gets at most one label per
// generation.
type ShippingLabelArgs struct {
	StoreID    string `json:"store_id"`
	ReturnID   string `json:"return_id"`
	Generation int    `json:"generation"`
}

// Kind implements river.JobArgs.
func (ShippingLabelArgs) Kind() string { return "shipping.label" }
