package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
)

// RetryAfterUnavailable is the Retry-After (seconds) of a 503 whose
// handler set none: the database unreachable, a request past its deadline.
const RetryAfterUnavailable = "5"

// withDeadline gives every request a deadline of s.timeout: its context
// ends then (the store and outbound calls give up with it) and so does
// reading its body (a connection read deadline, so a slow body cannot hold
// the handler past it). It runs the handler in the request's own
// goroutine, so nothing outlives the request. A handler that fails with
// the deadline answers 503 (httpx.Classify); one that returns without
// answering after the deadline passed is answered a 503 here, in its
// route's error shape. Every 503 gets a Retry-After if its handler set none.
func (s *Server) withDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		// Not every ResponseWriter supports deadlines (httptest's does not);
		// the context deadline holds either way.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.timeout))
		dw := &deadlineWriter{ResponseWriter: w}
		r = r.WithContext(ctx)
		next.ServeHTTP(dw, r)
		if !dw.wrote && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			write := httpx.RouteOf(r).WriteError
			if write == nil {
				write = httpx.WriteProblem
			}
			write(dw, r, fmt.Errorf("%w: %w", returns.Errorf(returns.EUNAVAILABLE, "the request did not complete within %v; retry later", s.timeout), ctx.Err()))
		}
	})
}

// deadlineWriter records whether the handler answered and adds
// Retry-After to a 503 that has none.
type deadlineWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *deadlineWriter) WriteHeader(code int) {
	if !w.wrote && code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", RetryAfterUnavailable)
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
