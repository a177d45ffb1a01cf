package redoapi

import (
	"net/http"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// Shopper portal settings (Rebound extension, strict):
// GET/PUT /v2.2/stores/{storeId}/portal with store.PortalSettings (PUT
// replaces them all; updatedAt is set by the server).
func (s *API) portalRoutes() {
	s.handle("GET /v2.2/stores/{storeId}/portal", returns.ScopeReturnsRead, styleProblem, s.getPortal)
	s.handle("PUT /v2.2/stores/{storeId}/portal", returns.ScopeReturnsWrite, styleProblem, s.putPortal)
}

// portalSettingsIn is the PUT body: the settings without updatedAt.
type portalSettingsIn struct {
	Handle                  string                             `json:"handle"`
	LogoURL                 string                             `json:"logoUrl"`
	Color                   string                             `json:"color"`
	LookupBy                string                             `json:"lookupBy"`
	StoreCreditBonusPercent int                                `json:"storeCreditBonusPercent"`
	ExchangeVariants        map[string][]store.ExchangeVariant `json:"exchangeVariants"`
}

func (s *API) getPortal(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ps, err := portal.GetSettings(r.Context(), s.app.Store, key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ps)
	return nil
}

func (s *API) putPortal(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[portalSettingsIn](w, r, httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	ps := &store.PortalSettings{StoreID: key.StoreID, Handle: in.Handle, LogoURL: in.LogoURL, Color: in.Color, LookupBy: in.LookupBy,
		StoreCreditBonusPercent: in.StoreCreditBonusPercent, ExchangeVariants: in.ExchangeVariants}
	if err := portal.PutSettings(r.Context(), s.app.Store, ps); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ps)
	return nil
}
