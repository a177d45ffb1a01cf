package refundidsync

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
)

// Mount registers the endpoints Refundid calls on mux, under PathPrefix +
// {token}: GET /order, GET /refund and POST /refundid. They answer
// Refundid's models; errors are problem+json: 401 (the call is not
// authenticated: nothing is read but the connection, nothing is written),
// 404 (unknown URL, shop, order or RMA), 400 (a parameter or body member
// breaking Refundid's rules, named), 409 (units no longer free; a failed
// after refundid), 413 (a body over refundid.MaxNotificationBytes), 422 (a
// notification Rebound cannot act on).
func (s *Service) Mount(mux *http.ServeMux, cat *httpx.Catalog) {
	for _, p := range []string{"GET " + PathPrefix + "{token}" + refundid.MerchantOrderPath, "GET " + PathPrefix + "{token}" + refundid.MerchantRefundPath,
		"POST " + PathPrefix + "{token}" + refundid.MerchantNotifyPath} {
		cat.Add(p, "Refundid (inbound)", httpx.SecurityNone, "")
	}
	mux.HandleFunc("GET "+PathPrefix+"{token}"+refundid.MerchantOrderPath, s.serveOrder)
	mux.HandleFunc("GET "+PathPrefix+"{token}"+refundid.MerchantRefundPath, s.serveRefund)
	mux.HandleFunc("POST "+PathPrefix+"{token}"+refundid.MerchantNotifyPath, s.serveNotify)
}

// remoteAddr is the address of the connection's peer. GAP-free but
// proxy-blind: behind a reverse proxy, the allow-list sees the proxy.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (s *Service) authenticated(w http.ResponseWriter, r *http.Request) *returns.RefundidIntegration {
	in, err := s.Authenticate(r.Context(), r.PathValue("token"), r.Header, remoteAddr(r))
	if err != nil {
		s.refuse(w, r, err)
		return nil
	}
	return in
}

func (s *Service) refuse(w http.ResponseWriter, r *http.Request, err error) {
	code := returns.ErrorCode(err)
	if code == returns.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rebound-refundid"`)
	}
	httpx.Logger(r).Info("refundid call refused", slog.String("path", r.URL.Path), slog.String("error", returns.ErrorMessage(err)))
	httpx.WriteProblem(w, r, err)
}

func (s *Service) serveOrder(w http.ResponseWriter, r *http.Request) {
	in := s.authenticated(w, r)
	if in == nil {
		return
	}
	o, err := s.FetchOrder(r.Context(), in, r.URL.Query())
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", o)
}

func (s *Service) serveRefund(w http.ResponseWriter, r *http.Request) {
	in := s.authenticated(w, r)
	if in == nil {
		return
	}
	rma, err := s.FetchReturn(r.Context(), in, r.URL.Query())
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", rma)
}

func (s *Service) serveNotify(w http.ResponseWriter, r *http.Request) {
	in := s.authenticated(w, r)
	if in == nil {
		return
	}
	body, err := httpx.ReadBody(w, r, refundid.MaxNotificationBytes)
	if err != nil {
		s.refuse(w, r, httpx.StatusError(http.StatusRequestEntityTooLarge, fmt.Sprintf("notification body exceeds %d bytes", refundid.MaxNotificationBytes)))
		return
	}
	res, err := s.HandleNotification(r.Context(), in, body, r.URL.Query().Get(refundid.ParamKey))
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	out := map[string]string{"outcome": res.Outcome, "state": res.State, "returnId": res.ReturnID}
	if res.Outcome == OutcomeRefused {
		httpx.WriteJSON(w, http.StatusConflict, "application/problem+json", httpx.Problem{
			Type: "about:blank", Title: "Conflict", Status: http.StatusConflict, Instance: r.URL.Path, RequestID: httpx.RequestID(r),
			Detail: "the refund was already refunded (refundid); a failed cannot undo it: refused and noted on the return",
		})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", out)
}
