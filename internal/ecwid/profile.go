package ecwid

import "context"

// Profile is the store profile: general information, account, settings,
// company and formats. Sections without a field here are kept in Extra.
type Profile struct {
	GeneralInfo     *ProfileGeneralInfo `json:"generalInfo"`
	Account         *ProfileAccount     `json:"account"`
	Settings        *ProfileSettings    `json:"settings"`
	Company         *ProfileCompany     `json:"company"`
	FormatsAndUnits *FormatsAndUnits    `json:"formatsAndUnits"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a profile, keeping unknown sections in Extra.
func (p *Profile) UnmarshalJSON(b []byte) error {
	type plain Profile
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*p = Profile(v)
	p.Extra = extra
	return err
}

// ProfileGeneralInfo identifies the store.
type ProfileGeneralInfo struct {
	StoreID  int64  `json:"storeId"`
	StoreURL string `json:"storeUrl"`
}

// ProfileAccount is the store owner's account.
type ProfileAccount struct {
	AccountName       string   `json:"accountName"`
	AccountNickName   string   `json:"accountNickName"`
	AccountEmail      string   `json:"accountEmail"`
	AvailableFeatures []string `json:"availableFeatures"`
}

// ProfileSettings holds general store settings.
type ProfileSettings struct {
	Closed    bool   `json:"closed"`
	StoreName string `json:"storeName"`
}

// ProfileCompany is the business address of the store.
type ProfileCompany struct {
	CompanyName         string `json:"companyName"`
	Email               string `json:"email"`
	Street              string `json:"street"`
	City                string `json:"city"`
	CountryCode         string `json:"countryCode"`
	PostalCode          string `json:"postalCode"`
	StateOrProvinceCode string `json:"stateOrProvinceCode"`
	Phone               string `json:"phone"`
}

// FormatsAndUnits holds the store currency and how amounts are shown.
type FormatsAndUnits struct {
	Currency                 string `json:"currency"` // ISO 4217
	CurrencyPrefix           string `json:"currencyPrefix"`
	CurrencySuffix           string `json:"currencySuffix"`
	CurrencyGroupSeparator   string `json:"currencyGroupSeparator"`
	CurrencyDecimalSeparator string `json:"currencyDecimalSeparator"`
}

// ProfileService reads the store profile (scope read_store_profile, which
// every token has).
type ProfileService struct{ c *Client }

// Get returns the store profile. fields, if any, select the members
// returned.
func (s *ProfileService) Get(ctx context.Context, fields ...string) (*Profile, error) {
	return getAs[Profile](ctx, s.c, "/profile", fieldsQuery(fields))
}
