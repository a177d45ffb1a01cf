package returns

import (
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
)

// AutoLabel asks for a return label to be bought when a return is approved
// (internal/shipping/shipsvc): the carrier ("rebound" for the built-in rate
// table, "easypost:<carrier>" such as "easypost:USPS"), its service code, and the parcel's declared weight
// (1 lb when omitted).
type AutoLabel struct {
	Carrier    string `json:"carrier"`
	Service    string `json:"service"`
	Weight     string `json:"weight,omitempty"`     // a positive decimal, e.g. "2.5"
	WeightUnit string `json:"weightUnit,omitempty"` // oz, lb, g or kg
}

// Carriers AutoLabel may name.
const (
	CarrierRateTable = "rebound"
	CarrierEasyPost  = "easypost"
)

// Validate checks the auto-label settings; fields are named from
// "autoLabel".
func (a *AutoLabel) Validate() error {
	if a == nil {
		return nil
	}
	kind, sub, _ := strings.Cut(a.Carrier, ":")
	switch {
	case kind == CarrierRateTable && sub == "":
	case kind == CarrierEasyPost && sub != "":
	default:
		return invalid("autoLabel.carrier", fmt.Sprintf("unknown carrier %q; expected %s or %s:<carrier> (e.g. easypost:USPS)", a.Carrier, CarrierRateTable, CarrierEasyPost))
	}
	if strings.TrimSpace(a.Service) == "" || len(a.Service) > 64 {
		return invalid("autoLabel.service", "must be a service code of the carrier (1 to 64 characters)")
	}
	if a.Weight != "" {
		if err := money.CheckDecimal(a.Weight); err != nil || strings.Trim(a.Weight, "0.") == "" || len(a.Weight) > 32 {
			return invalid("autoLabel.weight", "must be a positive decimal such as \"1.5\"")
		}
	}
	switch a.WeightUnit {
	case "", "oz", "lb", "g", "kg":
	default:
		return invalid("autoLabel.weightUnit", fmt.Sprintf("unknown unit %q; expected oz, lb, g or kg", a.WeightUnit))
	}
	return nil
}

// Destination is where a return is sent: the warehouse chosen for it
// (Redo's return destination).
type Destination struct {
	// ID names the store's destination (warehouse) chosen.
	ID      string  `json:"id,omitempty"`
	Name    string  `json:"name,omitempty"`
	Address Address `json:"address"`
	Phone   string  `json:"phone,omitempty"`
}
