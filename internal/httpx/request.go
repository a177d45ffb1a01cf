package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxLogger
	ctxRoute
)

// ErrorWriter answers an error in a surface's own error shape.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Route carries what the router and the matched surface learn about a
// request back out to the middleware around them: the route pattern (for
// metrics and logs) and the surface's ErrorWriter (for panics).
type Route struct {
	Pattern    string
	WriteError ErrorWriter
}

// RouteOf returns the request's Route, or a throwaway one when the request
// did not pass through Begin.
func RouteOf(r *http.Request) *Route {
	if ri, ok := r.Context().Value(ctxRoute).(*Route); ok {
		return ri
	}
	return &Route{}
}

// Begin prepares a request for the handlers: it takes the client's
// X-Request-Id when it is short and printable (so ids correlate across
// systems without log injection) or makes a new one, echoes it in the
// response, and gives the request a lazily built logger carrying the id
// and an empty Route. It returns the request to pass on.
func Begin(w http.ResponseWriter, r *http.Request, base *slog.Logger) (*http.Request, *Route) {
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	ri := &Route{Pattern: "unmatched"}
	ctx := context.WithValue(r.Context(), ctxRequestID, id)
	ctx = context.WithValue(ctx, ctxLogger, &lazyLogger{base: base, id: id})
	ctx = context.WithValue(ctx, ctxRoute, ri)
	return r.WithContext(ctx), ri
}

// RequestID returns the request's id ("" outside Begin).
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

// Logger returns the request's logger (carrying its request id), built on
// first use so that requests that log nothing don't pay for it;
// slog.Default outside Begin.
func Logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(ctxLogger).(*lazyLogger); ok {
		return l.get()
	}
	return slog.Default()
}

type lazyLogger struct {
	base *slog.Logger
	id   string
	l    *slog.Logger
}

func (l *lazyLogger) get() *slog.Logger {
	if l.l == nil {
		l.l = l.base.With(slog.String("request_id", l.id))
	}
	return l.l
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// StatusWriter records the status and size of a response.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int
}

// WriteHeader implements http.ResponseWriter.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
