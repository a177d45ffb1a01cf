package redoapi

import (
	"bytes"
	"net/http"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/returns"
)

// Redo's invoices operations (spec 2.2.693, scope invoices_read):
//
//	GET /v2.2/stores/{storeId}/invoices
//	GET /v2.2/invoices/{invoiceId}/items.csv
//	GET /v2.2/invoices/pending/items.csv
//
// and Rebound's extensions: POST /v2.2/invoices/{invoiceId}/pay
// (returns_write) and GET/PUT /v2.2/stores/{storeId}/invoice-settings
// (time zone and per-return fees).
func (s *API) invoiceRoutes() {
	if s.inv == nil {
		return
	}
	s.handle("GET /v2.2/stores/{storeId}/invoices", returns.ScopeInvoicesRead, styleProblem, s.listInvoices)
	s.handle("GET /v2.2/invoices/pending/items.csv", returns.ScopeInvoicesRead, styleProblem, s.invoiceCSV)
	s.handle("GET /v2.2/invoices/{invoiceId}/items.csv", returns.ScopeInvoicesRead, styleProblem, s.invoiceCSV)
	s.handle("POST /v2.2/invoices/{invoiceId}/pay", returns.ScopeReturnsWrite, styleProblem, s.payInvoice)
	s.handle("GET /v2.2/stores/{storeId}/invoice-settings", returns.ScopeInvoicesRead, styleProblem, s.getInvoiceSettings)
	s.handle("PUT /v2.2/stores/{storeId}/invoice-settings", returns.ScopeReturnsWrite, styleProblem, s.putInvoiceSettings)
}

// invoiceJSON is invoice.schema. The schema requires a team it never
// defines: team is {id} of the store, as store is.
type invoiceJSON struct {
	ID        string    `json:"id"`
	Charge    moneyJSON `json:"charge"`
	Status    string    `json:"status"`
	Store     idJSON    `json:"store"`
	Team      idJSON    `json:"team"`
	CreatedAt string    `json:"createdAt"`
	UpdatedAt string    `json:"updatedAt"`
	// Rebound's: the month covered and the number of rows.
	Period string `json:"period"`
	Items  int    `json:"itemCount"`
}

func invoiceView(v invoices.View) invoiceJSON {
	const ts = "2006-01-02T15:04:05.000Z07:00"
	return invoiceJSON{ID: v.ID, Charge: moneyOf(v.Total, v.Currency), Status: v.Status, Store: idJSON{ID: v.StoreID},
		Team: idJSON{ID: v.StoreID}, CreatedAt: v.CreatedAt.UTC().Format(ts), UpdatedAt: v.UpdatedAt.UTC().Format(ts),
		Period: v.Period, Items: v.Count}
}

func (s *API) listInvoices(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	list, err := s.inv.List(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	out := make([]invoiceJSON, 0, len(list))
	for _, v := range list {
		out = append(out, invoiceView(v))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"invoices": out})
	return nil
}

func (s *API) invoiceCSV(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	id := r.PathValue("invoiceId")
	if id == "" {
		id = "pending"
	}
	var b bytes.Buffer
	if err := s.inv.WriteCSV(r.Context(), &b, key.StoreID, id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`-items.csv"`)
	_, _ = w.Write(b.Bytes())
	return nil
}

func (s *API) payInvoice(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	v, err := s.inv.Pay(r.Context(), key.StoreID, r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"invoice": invoiceView(*v)})
	return nil
}

func (s *API) getInvoiceSettings(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	v, err := s.inv.GetSettings(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", v)
	return nil
}

func (s *API) putInvoiceSettings(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[invoices.Settings](w, r, httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	v, err := s.inv.PutSettings(r.Context(), key.StoreID, *in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", v)
	return nil
}
