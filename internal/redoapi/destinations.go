package redoapi

import (
	"net/http"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
)

// Return destinations (Rebound extension, strict):
// GET/PUT /v2.2/stores/{storeId}/destinations with shipsvc.Destinations.
func (s *API) destinationRoutes() {
	s.handle("GET /v2.2/stores/{storeId}/destinations", returns.ScopeReturnsRead, styleProblem, s.getDestinations)
	s.handle("PUT /v2.2/stores/{storeId}/destinations", returns.ScopeReturnsWrite, styleProblem, s.putDestinations)
}

func (s *API) getDestinations(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ds, err := s.ship.Destinations(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ds)
	return nil
}

func (s *API) putDestinations(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[shipsvc.Destinations](w, r, httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	ds, err := s.ship.SetDestinations(r.Context(), key.StoreID, *in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ds)
	return nil
}
