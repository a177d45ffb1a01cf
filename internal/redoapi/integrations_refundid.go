package redoapi

import (
	"net/http"
	"time"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/returns"
)

// Refundid endpoints (Rebound extensions, not in Redo's API), problem+json
// errors, strict decoding:
//
//	PUT/GET/DELETE /v2.2/stores/{storeId}/integrations/refundid   orders_write / orders_read / orders_write
//	GET /v2.2/stores/{storeId}/orders/{orderId}/refundid-link       orders_read   (flow 1)
//	GET /v2.2/returns/{id}/refundid-link                            returns_write (flow 2: issues a privacy key)

// refundidRoutes registers the Refundid connection and link routes
// (Rebound extensions), authenticated like every /v2.2 route.
func (s *API) refundidRoutes() {
	rf := &refundidAPI{svc: s.refundid}
	s.handle("PUT /v2.2/stores/{storeId}/integrations/refundid", returns.ScopeOrdersWrite, styleProblem, rf.put)
	s.handle("GET /v2.2/stores/{storeId}/integrations/refundid", returns.ScopeOrdersRead, styleProblem, rf.get)
	s.handle("DELETE /v2.2/stores/{storeId}/integrations/refundid", returns.ScopeOrdersWrite, styleProblem, rf.delete)
	s.handle("GET /v2.2/stores/{storeId}/orders/{orderId}/refundid-link", returns.ScopeOrdersRead, styleProblem, rf.orderLink)
	s.handle("GET /v2.2/returns/{id}/refundid-link", returns.ScopeReturnsWrite, styleProblem, rf.returnLink)
}

type refundidAPI struct{ svc *refundidsync.Service }

// refundidConnectBody is the PUT body.
type refundidConnectBody struct {
	Shop               string              `json:"shop"`
	Environment        string              `json:"environment"`
	BearerToken        string              `json:"bearerToken"`
	APIKeyHeader       *refundidHeaderBody `json:"apiKeyHeader"`
	AllowedIPs         []string            `json:"allowedIps"`
	MerchantAPIKey     string              `json:"merchantApiKey"`
	KeepMerchantAPIKey bool                `json:"keepMerchantApiKey"`
	PortalURL          string              `json:"portalUrl"`
	APIURL             string              `json:"apiUrl"`
}

type refundidHeaderBody struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Keep  bool   `json:"keep"`
}

type refundidView struct {
	Shop              string                 `json:"shop"`
	Environment       string                 `json:"environment"`
	BearerToken       string                 `json:"bearerToken,omitempty"` // shown once, when generated
	HasBearerToken    bool                   `json:"hasBearerToken"`
	APIKeyHeader      string                 `json:"apiKeyHeader"`
	AllowedIPs        []string               `json:"allowedIps"`
	HasMerchantAPIKey bool                   `json:"hasMerchantApiKey"`
	MerchantAPIKey    string                 `json:"merchantApiKey"` // masked
	PortalURL         string                 `json:"portalUrl"`
	APIURL            string                 `json:"apiUrl"`
	Endpoints         refundidsync.Endpoints `json:"endpoints"`
	RefundidHosts     []refundidsync.Host    `json:"refundidHosts"`
	Status            string                 `json:"status"`
	StatusReason      string                 `json:"statusReason"`
	CreatedAt         time.Time              `json:"createdAt"`
	UpdatedAt         time.Time              `json:"updatedAt"`
}

func refundidViewOf(c *refundidsync.Connection) refundidView {
	in := c.Integration
	ips := in.AllowedIPs
	if ips == nil {
		ips = []string{}
	}
	return refundidView{
		Shop: in.Shop, Environment: in.Environment, BearerToken: c.BearerToken, HasBearerToken: in.BearerHash != nil,
		APIKeyHeader: in.HeaderName, AllowedIPs: ips, HasMerchantAPIKey: in.APIKeySealed != "", MerchantAPIKey: c.APIKeyHint,
		PortalURL: c.Environment.PortalURL, APIURL: c.Environment.APIURL, Endpoints: c.Endpoints,
		RefundidHosts: refundidsync.Hosts(), Status: in.Status, StatusReason: in.StatusReason,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt,
	}
}

func (a *refundidAPI) put(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	b, err := httpx.DecodeBody[refundidConnectBody](w, r, 64<<10, httpx.Strict)
	if err != nil {
		return err
	}
	in := refundidsync.ConnectInput{
		Shop: b.Shop, Environment: b.Environment, BearerToken: b.BearerToken, AllowedIPs: b.AllowedIPs,
		MerchantAPIKey: b.MerchantAPIKey, KeepMerchantAPIKey: b.KeepMerchantAPIKey, PortalURL: b.PortalURL, APIURL: b.APIURL,
	}
	if h := b.APIKeyHeader; h != nil {
		in.APIKeyHeader = &refundidsync.HeaderInput{Name: h.Name, Value: h.Value, Keep: h.Keep}
	}
	c, err := a.svc.Connect(r.Context(), key.StoreID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, "application/json", refundidViewOf(c))
	return nil
}

func (a *refundidAPI) get(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	c, err := a.svc.Get(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", refundidViewOf(c))
	return nil
}

func (a *refundidAPI) delete(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if err := a.svc.Disconnect(r.Context(), key.StoreID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type refundidLinkView struct {
	URL  string `json:"url"`
	Flow string `json:"flow"`
}

func (a *refundidAPI) orderLink(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	link, err := a.svc.OrderLink(r.Context(), key.StoreID, r.PathValue("orderId"), r.URL.Query().Get("redirect"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", refundidLinkView{URL: link, Flow: returns.RefundidFlowRefundid})
	return nil
}

func (a *refundidAPI) returnLink(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	link, err := a.svc.ReturnLink(r.Context(), key.StoreID, r.PathValue("id"), r.URL.Query().Get("redirect"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, "application/json", refundidLinkView{URL: link, Flow: returns.RefundidFlowMerchant})
	return nil
}
