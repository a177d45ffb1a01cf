package shipsvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/store"
)

// Destinations are a store's return destinations (warehouses): a default
// and rules choosing one per return. The first rule that matches wins; a
// rule matches a return shipped from one of its countries or holding one
// of its SKUs (either list may be empty, not both).
type Destinations struct {
	Default      string        `json:"default"`
	Destinations []Destination `json:"destinations"`
	Rules        []Rule        `json:"rules"`
}

// Destination is one warehouse.
type Destination struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Company string      `json:"company,omitempty"`
	Address AddressJSON `json:"address"`
	Phone   string      `json:"phone,omitempty"`
	Email   string      `json:"email,omitempty"`
}

// AddressJSON is an address in Redo's shape.
type AddressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country"`
}

// Rule chooses a destination.
type Rule struct {
	Destination string   `json:"destination"`
	Countries   []string `json:"countries,omitempty"`
	SKUs        []string `json:"skus,omitempty"`
}

// Address returns the destination as a shipping address.
func (d Destination) ShippingAddress() shipping.Address {
	return shipping.Address{Name: d.Name, Company: d.Company, Street1: d.Address.Line1, Street2: d.Address.Line2, City: d.Address.City,
		State: d.Address.State, PostalCode: d.Address.PostalCode, Country: d.Address.Country, Phone: d.Phone, Email: d.Email}
}

// Validate checks the document, naming the bad member.
func (ds *Destinations) Validate() error {
	if ds.Destinations == nil {
		ds.Destinations = []Destination{}
	}
	if ds.Rules == nil {
		ds.Rules = []Rule{}
	}
	ids := map[string]bool{}
	for i, d := range ds.Destinations {
		p := fmt.Sprintf("destinations[%d]", i)
		switch {
		case d.ID == "" || len(d.ID) > 64 || strings.TrimSpace(d.ID) != d.ID:
			return returns.Invalid(p+".id", "must be 1 to 64 characters without surrounding spaces")
		case ids[d.ID]:
			return returns.Invalid(p+".id", fmt.Sprintf("%q is used twice", d.ID))
		}
		ids[d.ID] = true
		if err := d.ShippingAddress().Validate(); err != nil {
			return AppError(err, func(f string) string { return p + "." + redoField(f) })
		}
	}
	if len(ds.Destinations) > 0 && ds.Default == "" {
		return returns.Invalid("default", "is required: the id of one of the destinations")
	}
	if ds.Default != "" && !ids[ds.Default] {
		return returns.Invalid("default", fmt.Sprintf("%q is not one of the destinations", ds.Default))
	}
	for i, r := range ds.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		if !ids[r.Destination] {
			return returns.Invalid(p+".destination", fmt.Sprintf("%q is not one of the destinations", r.Destination))
		}
		if len(r.Countries) == 0 && len(r.SKUs) == 0 {
			return returns.Invalid(p, "needs countries or skus")
		}
		for j, c := range r.Countries {
			if !shipping.ValidCountry(c) {
				return returns.Invalid(fmt.Sprintf("%s.countries[%d]", p, j), fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", c))
			}
		}
		for j, s := range r.SKUs {
			if strings.TrimSpace(s) == "" {
				return returns.Invalid(fmt.Sprintf("%s.skus[%d]", p, j), "must not be empty")
			}
		}
	}
	return nil
}

// redoField renames an address path of shipping.Address to Redo's names.
func redoField(f string) string {
	switch f {
	case "street1":
		return "address.line1"
	case "street2":
		return "address.line2"
	case "city", "state", "postalCode", "country":
		return "address." + f
	}
	return f
}

// Choose returns the destination for r: the first matching rule's, else
// the default; false when the store has none.
func (ds *Destinations) Choose(r *returns.Return) (Destination, bool) {
	byID := map[string]Destination{}
	for _, d := range ds.Destinations {
		byID[d.ID] = d
	}
	for _, rule := range ds.Rules {
		if slices.Contains(rule.Countries, r.ShippingAddress.CountryCode) {
			return byID[rule.Destination], true
		}
		for _, it := range r.Items {
			if it.SKU != "" && slices.ContainsFunc(rule.SKUs, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(it.SKU)) }) {
				return byID[rule.Destination], true
			}
		}
	}
	d, ok := byID[ds.Default]
	return d, ok
}

func destinationsOf(st *store.ShippingSettings) (*Destinations, error) {
	ds := &Destinations{Destinations: []Destination{}, Rules: []Rule{}}
	if len(st.Destinations) == 0 {
		return ds, nil
	}
	if err := json.Unmarshal(st.Destinations, ds); err != nil {
		return nil, fmt.Errorf("stored destinations: %w", err)
	}
	return ds, nil
}

// Destinations returns the store's destinations.
func (s *Service) Destinations(ctx context.Context, storeID string) (*Destinations, error) {
	st, err := s.Settings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	return destinationsOf(st)
}

// SetDestinations validates and saves the store's destinations.
func (s *Service) SetDestinations(ctx context.Context, storeID string, ds Destinations) (*Destinations, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(ds); err != nil {
		return nil, err
	}
	if _, err := s.updateSettings(ctx, storeID, func(st *store.ShippingSettings) error {
		st.Destinations = bytes.TrimSpace(b.Bytes())
		return nil
	}); err != nil {
		return nil, err
	}
	return &ds, nil
}

// domainDestination is d as the return's destination.
func domainDestination(d Destination) *returns.Destination {
	return &returns.Destination{ID: d.ID, Name: d.Name, Phone: d.Phone, Address: returns.Address{Address1: d.Address.Line1,
		Address2: d.Address.Line2, City: d.Address.City, ProvinceCode: d.Address.State, Zip: d.Address.PostalCode,
		CountryCode: d.Address.Country, Company: d.Company, Phone: d.Phone}}
}
