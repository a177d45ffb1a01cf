package refundidtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/reboundhq/rebound/internal/refundid"
)

// HTTP control endpoints, thin wrappers of the methods above, for when the
// fake runs on its own.

func (s *Server) servePortal(w http.ResponseWriter, r *http.Request) {
	sess, err := s.Open(r.Context(), r.URL.String())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) serveChoose(w http.ResponseWriter, r *http.Request) {
	var items []Choice
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&items); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	if err := s.Choose(r.PathValue("id"), items); err != nil {
		writeError(w, err)
		return
	}
	sess, err := s.Session(r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) serveConfirm(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Outcome refundid.Status `json:"outcome"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	id, err := s.Confirm(r.PathValue("id"), body.Outcome)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"refundid_id": id})
}

func (s *Server) serveDeliver(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Statuses []refundid.Status `json:"statuses"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
			return
		}
	}
	ds, err := s.Deliver(r.Context(), r.PathValue("id"), body.Statuses...)
	if err != nil && !errors.Is(err, ErrMerchant) {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

// writeError answers 400 for a bad link or choice, 409 for an unknown
// session or a step out of order and 502 for a merchant failure.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrLink), errors.Is(err, ErrChoice):
		status = http.StatusBadRequest
	case errors.Is(err, ErrSession):
		status = http.StatusConflict
	case errors.Is(err, ErrMerchant):
		status = http.StatusBadGateway
	}
	writeJSON(w, status, map[string]string{"message": err.Error()})
}
