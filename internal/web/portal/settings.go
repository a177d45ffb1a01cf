package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/web"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Slug makes a handle from a store name: lower case letters and digits,
// other runs of characters as one "-", at most 40; "store" when nothing is
// left.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
		if b.Len() >= 36 {
			break
		}
	}
	if b.Len() == 0 {
		return "store"
	}
	return b.String()
}

// SetHandle gives the store its portal handle, keeping its other portal
// settings. With handle "" it keeps the store's handle, or makes one from
// the store's name (Slug, with "-2", "-3", ... when taken). EINVALID for a
// handle that is not ValidHandle, ECONFLICT when another store has it.
func SetHandle(ctx context.Context, st store.Store, storeID, handle string) (*store.PortalSettings, error) {
	if handle != "" && !ValidHandle(handle) {
		return nil, returns.Invalid("handle", "a handle is 1 to 40 lower-case letters, digits and inner dashes")
	}
	var out *store.PortalSettings
	err := st.Update(ctx, func(tx store.Tx) error {
		s, err := tx.GetPortalSettings(ctx, storeID)
		if returns.IsNotFound(err) {
			s, err = &store.PortalSettings{StoreID: storeID}, nil
		}
		if err != nil {
			return err
		}
		if handle == "" && s.Handle != "" {
			out = s
			return nil
		}
		cands := []string{handle}
		if handle == "" {
			m, err := tx.GetStore(ctx, storeID)
			if err != nil {
				return err
			}
			base := Slug(m.Name)
			cands = []string{base}
			for i := 2; i < 100; i++ {
				cands = append(cands, fmt.Sprintf("%s-%d", base, i))
			}
		}
		for _, h := range cands {
			if o, err := tx.GetPortalSettingsByHandle(ctx, h); err == nil && o.StoreID != storeID {
				continue
			} else if err != nil && !returns.IsNotFound(err) {
				return err
			}
			s.Handle = h
			out = s
			return tx.PutPortalSettings(ctx, s)
		}
		return &returns.Error{Code: returns.ECONFLICT, Field: "handle", Message: fmt.Sprintf("the handle %q is taken by another store", handle)}
	})
	return out, err
}

// ValidateSettings checks settings a merchant gives (the API's PUT).
func ValidateSettings(s *store.PortalSettings) error {
	if !ValidHandle(s.Handle) {
		return returns.Invalid("handle", "a handle is 1 to 40 lower-case letters, digits and inner dashes")
	}
	if s.LogoURL != "" && !strings.HasPrefix(s.LogoURL, "https://") && !strings.HasPrefix(s.LogoURL, "/") {
		return returns.Invalid("logoUrl", "must be an https URL or a path on this server")
	}
	if s.Color != "" && !validColor(s.Color) {
		return returns.Invalid("color", `must be a colour "#rrggbb"`)
	}
	switch s.LookupBy {
	case "", "email", "postal_code", "either":
	default:
		return returns.Invalid("lookupBy", "must be email, postal_code or either")
	}
	if s.StoreCreditBonusPercent < 0 || s.StoreCreditBonusPercent > 100 {
		return returns.Invalid("storeCreditBonusPercent", "must be between 0 and 100")
	}
	return nil
}
func validColor(c string) bool { return web.ValidColor(c) }

// PutSettings validates s (ValidateSettings, and every exchange variant
// has an id, a title and a price) and saves it as its store's settings,
// replacing them. EINVALID naming the field, ECONFLICT when another store
// has the handle, ENOTFOUND without the store.
func PutSettings(ctx context.Context, st store.Store, s *store.PortalSettings) error {
	if err := ValidateSettings(s); err != nil {
		return err
	}
	for pid, vs := range s.ExchangeVariants {
		if strings.TrimSpace(pid) == "" {
			return returns.Invalid("exchangeVariants", "a product id is empty")
		}
		for i, v := range vs {
			f := fmt.Sprintf("exchangeVariants.%s[%d]", pid, i)
			if v.VariantID == "" || v.Title == "" {
				return returns.Invalid(f, "a variant needs a variantId and a title")
			}
			if _, err := money.ParseDecimal(v.Price, 2, false); err != nil {
				return returns.Invalid(f+".price", "must be a decimal amount like 29.99")
			}
		}
	}
	return st.Update(ctx, func(tx store.Tx) error { return tx.PutPortalSettings(ctx, s) })
}

// GetSettings returns the store's portal settings, giving the store a
// handle first when it has none (SetHandle).
func GetSettings(ctx context.Context, st store.Store, storeID string) (*store.PortalSettings, error) {
	s, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.PortalSettings, error) { return tx.GetPortalSettings(ctx, storeID) })
	if returns.IsNotFound(err) {
		return SetHandle(ctx, st, storeID, "")
	}
	return s, err
}
