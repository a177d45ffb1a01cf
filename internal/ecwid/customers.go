package ecwid

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// CustomerID is a customer's internal numeric id.
type CustomerID int64

// CustomerSort orders a customer search.
type CustomerSort string

// Customer sort orders.
const (
	CustomerSortNameAsc            CustomerSort = "NAME_ASC"
	CustomerSortNameDesc           CustomerSort = "NAME_DESC"
	CustomerSortEmailAsc           CustomerSort = "EMAIL_ASC"
	CustomerSortEmailDesc          CustomerSort = "EMAIL_DESC"
	CustomerSortOrderCountAsc      CustomerSort = "ORDER_COUNT_ASC"
	CustomerSortOrderCountDesc     CustomerSort = "ORDER_COUNT_DESC"
	CustomerSortRegisteredDateDesc CustomerSort = "REGISTERED_DATE_DESC"
	CustomerSortRegisteredDateAsc  CustomerSort = "REGISTERED_DATE_ASC"
	CustomerSortUpdatedDateDesc    CustomerSort = "UPDATED_DATE_DESC"
	CustomerSortUpdatedDateAsc     CustomerSort = "UPDATED_DATE_ASC"
	CustomerSortSalesValueAsc      CustomerSort = "SALES_VALUE_ASC"
	CustomerSortSalesValueDesc     CustomerSort = "SALES_VALUE_DESC"
)

// CustomerAddress is a saved shipping address of a customer.
type CustomerAddress struct {
	ID int64 `json:"id,omitempty"`
	Person
}

// CustomerStats sums up a customer's orders.
type CustomerStats struct {
	NumberOfOrders    int     `json:"numberOfOrders"`
	SalesValue        float64 `json:"salesValue"`
	AverageOrderValue float64 `json:"averageOrderValue"`
	FirstOrderDate    string  `json:"firstOrderDate"`
	LastOrderDate     string  `json:"lastOrderDate"`
}

// Customer is a registered customer of the store.
type Customer struct {
	ID                CustomerID        `json:"id"`
	Email             string            `json:"email"`
	Name              string            `json:"name"`
	TotalOrderCount   int               `json:"totalOrderCount"`
	Registered        string            `json:"registered"`
	Updated           string            `json:"updated"`
	BillingPerson     *Person           `json:"billingPerson"`
	ShippingAddresses []CustomerAddress `json:"shippingAddresses"`
	Contacts          json.RawMessage   `json:"contacts"` // raw JSON array
	CustomerGroupID   int64             `json:"customerGroupId"`
	CustomerGroupName string            `json:"customerGroupName"`
	TaxExempt         bool              `json:"taxExempt"`
	AcceptMarketing   bool              `json:"acceptMarketing"`
	Stats             *CustomerStats    `json:"stats"`
	PrivateAdminNotes string            `json:"privateAdminNotes"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a customer, keeping unknown members in Extra.
func (c *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*c = Customer(v)
	c.Extra = extra
	return err
}

// CustomerPage is a page of customers. AllCustomerCount is the number of
// distinct customers in the store, whatever the filter.
type CustomerPage struct {
	Page[Customer]
	AllCustomerCount int `json:"allCustomerCount"`
}

// CustomerFilter narrows a customer search. Zero fields are not sent.
type CustomerFilter struct {
	Keyword             string // name and e-mail
	Name                string // billing name
	Email               string
	UseExactEmailMatch  bool // needs Email
	Phone               string
	City                string // of the shipping address
	PostalCode          string
	StateOrProvinceCode string
	CountryCodes        []string
	CompanyName         string
	AcceptMarketing     *bool
	CustomerGroupIDs    []int64
	MinOrderCount       *int64
	MaxOrderCount       *int64
	MinSalesValue       *float64
	MaxSalesValue       *float64
	CreatedFrom         time.Time
	CreatedTo           time.Time
	UpdatedFrom         time.Time
	UpdatedTo           time.Time
	SortBy              CustomerSort
	Offset, Limit       int
	ResponseFields      string
}

// Values encodes the filter as Ecwid's query parameters.
func (f *CustomerFilter) Values() url.Values {
	p := newParams()
	if f == nil {
		return p.v
	}
	p.str("keyword", f.Keyword)
	p.str("name", f.Name)
	p.str("email", f.Email)
	p.flag("useExactEmailMatch", f.UseExactEmailMatch)
	p.str("phone", f.Phone)
	p.str("city", f.City)
	p.str("postalCode", f.PostalCode)
	p.str("stateOrProvinceCode", f.StateOrProvinceCode)
	p.str("countryCodes", joinStrings(f.CountryCodes))
	p.str("companyName", f.CompanyName)
	p.boolp("acceptMarketing", f.AcceptMarketing)
	p.str("customerGroupIds", joinInts(f.CustomerGroupIDs))
	p.intp("minOrderCount", f.MinOrderCount)
	p.intp("maxOrderCount", f.MaxOrderCount)
	p.floatp("minSalesValue", f.MinSalesValue)
	p.floatp("maxSalesValue", f.MaxSalesValue)
	p.time("createdFrom", f.CreatedFrom)
	p.time("createdTo", f.CreatedTo)
	p.time("updatedFrom", f.UpdatedFrom)
	p.time("updatedTo", f.UpdatedTo)
	p.str("sortBy", string(f.SortBy))
	p.page(f.Offset, f.Limit, f.ResponseFields)
	return p.v
}

// CustomersService reads customers (scope read_customers).
type CustomersService struct{ c *Client }

// Search returns one page of customers matching f (nil for all).
func (s *CustomersService) Search(ctx context.Context, f *CustomerFilter) (*CustomerPage, error) {
	return getAs[CustomerPage](ctx, s.c, "/customers", f.Values())
}

// All iterates over every customer matching f.
func (s *CustomersService) All(ctx context.Context, f *CustomerFilter) iter.Seq2[Customer, error] {
	g := CustomerFilter{}
	if f != nil {
		g = *f
	}
	return paginate(ctx, g.Offset, g.Limit, func(ctx context.Context, offset, limit int) (*Page[Customer], error) {
		g.Offset, g.Limit = offset, limit
		p, err := s.Search(ctx, &g)
		if err != nil {
			return nil, err
		}
		return &p.Page, nil
	})
}

// Get returns one customer.
func (s *CustomersService) Get(ctx context.Context, id CustomerID, fields ...string) (*Customer, error) {
	return getAs[Customer](ctx, s.c, idPath("/customers", strconv.FormatInt(int64(id), 10)), fieldsQuery(fields))
}
