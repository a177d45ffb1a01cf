package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// MaxBodyBytes is the default bound of request bodies (1 MiB).
const MaxBodyBytes = 1 << 20

// ReadJSONBody returns the request body after checking it is declared JSON
// (415 otherwise) and at most limit bytes (413 otherwise).
func ReadJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !(mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil, StatusError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type must be application/json, got %q", ct))
	}
	return ReadBody(w, r, limit)
}

// ReadBody returns the request body, at most limit bytes (413 otherwise).
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, StatusError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is %d bytes; the limit is %d", r.ContentLength, limit))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, StatusError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", limit))
		}
		return nil, StatusError(http.StatusBadRequest, "reading request body: "+err.Error())
	}
	return body, nil
}

// Mode says how a JSON body is decoded.
type Mode int

const (
	// Strict refuses members the target does not declare (and trailing
	// data): Rebound's own extensions.
	Strict Mode = iota
	// Tolerant ignores members the target does not declare (a vendor's
	// clients may send members its spec does not list) but still refuses
	// trailing data and members of the wrong type: vendor-defined routes.
	Tolerant
)

// Decode decodes one JSON value of body into v; errors are 400s naming
// the member.
func (m Mode) Decode(body []byte, v any) error { return decode(body, v, m == Strict) }

// DecodeStrict is Strict.Decode.
func DecodeStrict(body []byte, v any) error { return decode(body, v, true) }

func decode(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return returns.Invalid(te.Field, fmt.Sprintf("must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return StatusError(http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON (at byte %d): %v", se.Offset, se))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return returns.Invalid(name, "unknown member")
	case errors.Is(err, io.EOF):
		return StatusError(http.StatusBadRequest, "request body is empty; a JSON object is required")
	}
	return StatusError(http.StatusBadRequest, "request body: "+strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// DecodeBody reads a JSON request body (ReadJSONBody's checks) and decodes
// it into a T in mode m.
func DecodeBody[T any](w http.ResponseWriter, r *http.Request, limit int64, m Mode) (*T, error) {
	body, err := ReadJSONBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	var v T
	if err := m.Decode(body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// DecodeMember reads a request body that is one JSON object with the
// member name, as single-resource bodies are ({"policy": {...}}), and
// returns that member decoded in mode m. A missing or null member is an
// EINVALID error naming it; in Strict mode any other member is refused
// too. Errors inside the member are named from it ("policy.windowDays").
func DecodeMember[T any](w http.ResponseWriter, r *http.Request, name string, limit int64, m Mode) (*T, error) {
	mp, err := DecodeBody[map[string]json.RawMessage](w, r, limit, Strict)
	if err != nil {
		return nil, err
	}
	obj := *mp
	if obj == nil {
		return nil, StatusError(http.StatusBadRequest, "request body must be a JSON object")
	}
	if m == Strict {
		for k := range obj {
			if k != name {
				return nil, returns.Invalid(k, "unknown member")
			}
		}
	}
	raw, ok := obj[name]
	if !ok || string(raw) == "null" {
		return nil, returns.Invalid(name, "is required")
	}
	var v T
	if err := m.Decode(raw, &v); err != nil {
		return nil, returns.PrefixField(err, name+".")
	}
	return &v, nil
}
