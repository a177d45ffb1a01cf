package ratetable

import (
	"math/big"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/shipping"
)

// DefaultCarrierName is the carrier name of a table that names none.
const DefaultCarrierName = "Rebound"

// CarrierName returns the table's carrier name, DefaultCarrierName if none.
func (t *Table) CarrierName() string {
	if t.Carrier == "" {
		return DefaultCarrierName
	}
	return t.Carrier
}

// ZoneFor returns the index in Zones of the zone covering a destination
// country and postal code, and false when no zone covers it. The zone with
// the longest matching postal prefix wins; zones without prefixes match
// any postal code of their countries; "*" zones match any country last.
func (t *Table) ZoneFor(country, postalCode string) (int, bool) {
	postal := shipping.NormalizePostalCode(postalCode)
	best, bestScore := -1, -1
	for _, z := range t.compiled {
		score := -1
		if slices.Contains(z.countries, country) {
			if len(z.prefixes) == 0 {
				score = 1
			}
			for _, p := range z.prefixes {
				if strings.HasPrefix(postal, p) && 1+len(p) > score {
					score = 1 + len(p)
				}
			}
		} else if slices.Contains(z.countries, Wildcard) {
			score = 0
		}
		if score > bestScore {
			best, bestScore = z.index, score
		}
	}
	return best, best >= 0
}

// compiledZone returns the compiled zone with the document index i.
func (t *Table) compiledZone(i int) *zone {
	for k := range t.compiled {
		if t.compiled[k].index == i {
			return &t.compiled[k]
		}
	}
	return nil
}

// Rates returns the table's rates for a parcel of weight w to the shopper's
// address, cheapest first (ties in services order). It returns nil when no
// zone or band covers the parcel. The table must be compiled.
func (t *Table) Rates(shopper shipping.Address, w shipping.Weight) ([]shipping.Rate, error) {
	if t.compiled == nil {
		return nil, shipping.Errorf(shipping.EInternal, "ratetable: the table was not compiled")
	}
	weight, err := w.In(t.WeightUnit)
	if err != nil {
		return nil, err
	}
	zi, ok := t.ZoneFor(shopper.Country, shopper.PostalCode)
	if !ok {
		return nil, nil
	}
	b := t.compiledZone(zi).bandFor(weight)
	if b == nil {
		return nil, nil
	}
	var rates []shipping.Rate
	for _, s := range t.Services {
		amount, ok := b.prices[s.Code]
		if !ok {
			continue
		}
		name := s.Name
		if name == "" {
			name = s.Code
		}
		rates = append(rates, shipping.Rate{
			ID:            s.Code,
			Carrier:       t.CarrierName(),
			Service:       s.Code,
			ServiceName:   name,
			Amount:        amount,
			Currency:      t.Currency,
			EstimatedDays: s.EstimatedDays,
		})
	}
	slices.SortStableFunc(rates, func(a, b shipping.Rate) int {
		switch {
		case a.Amount < b.Amount:
			return -1
		case a.Amount > b.Amount:
			return 1
		}
		return 0
	})
	return rates, nil
}

func (z *zone) bandFor(w *big.Rat) *band {
	for i := range z.bands {
		b := &z.bands[i]
		if w.Cmp(b.over) > 0 && w.Cmp(b.upTo) <= 0 {
			return b
		}
	}
	return nil
}

// Shopper returns the address whose zone prices the request: the
// destination, or the origin of a return.
func Shopper(req shipping.QuoteRequest) shipping.Address {
	if req.IsReturn {
		return req.From
	}
	return req.To
}
