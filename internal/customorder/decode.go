// Package customorder decodes and validates the body of Redo's "Sync Custom
// Order" request (POST /v2.2/stores/{storeId}/custom/orders, schema
// custom-order-sync) into a returns.Order.
//
// Validation follows Redo's published schema, plus the rules its integration
// guide states in prose (unique line ids, the coverage line, exact ISO 4217
// amounts), plus limits that protect Rebound (see the Max constants). Unknown
// fields are ignored so that clients sending extra data keep working.
//
// Decisions where the sources are silent or disagree:
//   - An optional member sent as null reads as absent, even where the schema
//     does not mark it nullable (clients commonly send null for "no value").
//   - Line item ids may contain underscores. One guide forbids them, yet its
//     own example uses "line_1"; the schema does not restrict them.
//   - shippingLines[].title is required, as in the schema.
//   - A refund line whose lineItemId matches no line is dropped, not an
//     error (the schema says such lines are ignored).
//   - Transaction amounts must not be negative (they are payments; refunds
//     are sent separately).
//   - Coverage markers (tags and the _redo_type property) are matched without
//     regard to case or surrounding spaces, and "return" and "returns" are
//     accepted in both places.
//   - A whole number may be written 2, 2.0 or 2e0 (JSON Schema's notion of an
//     integer).
package customorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/reboundhq/rebound/internal/returns"
)

// Limits. They are far above what a real order needs and bound the work and
// the size of the error report for hostile input.
const (
	MaxLineItems = 1000 // lineItems
	MaxItems     = 1000 // any other array
	MaxDepth     = 64   // nesting of objects and arrays in the body
	MaxErrors    = 100  // field errors reported by one ValidationError
	// MaxQuantity is the largest quantity of a line (and of a fulfillment or
	// refund line): the cap Redo's Orders API puts on a line.
	MaxQuantity = 1000
)

// Decode parses and validates body, a Sync Custom Order request body.
//
// On success it returns the order with every field the body carries; ID,
// StoreID and SyncedAt are left empty for the caller. Name and ExternalID are
// the body's id. Timestamps are in UTC. Null or absent optional strings are "".
//
// A body that is not one well-formed JSON value yields a *SyntaxError. A body
// that is JSON but not a valid order yields a *ValidationError listing every
// problem found; no order is returned then.
func Decode(body []byte) (*returns.Order, error) {
	v, err := DecodeGeneric(body)
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, &ValidationError{Fields: []FieldError{{Message: "must be a JSON object"}}}
	}
	w := walker{path: make([]seg, 0, 8)}
	ord := w.order(root)
	if len(w.errs) > 0 {
		return nil, &ValidationError{Fields: w.errs, Truncated: w.truncated}
	}
	return ord, nil
}

// DecodeGeneric is Decode's first step alone: it parses body as exactly one
// JSON value (surrounding whitespace allowed) into the generic Go form of
// encoding/json, with numbers as json.Number. It enforces MaxDepth. Errors
// are *SyntaxError. As with encoding/json, invalid UTF-8 in strings becomes
// U+FFFD and, for duplicate object keys, the last one wins.
func DecodeGeneric(body []byte) (any, error) {
	if off, ok := tooDeep(body, MaxDepth); ok {
		return nil, &SyntaxError{Offset: int64(off), Msg: "nested more than 64 levels deep"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			// encoding/json counts the offending byte as read.
			return nil, &SyntaxError{Offset: max(se.Offset-1, 0), Msg: se.Error()}
		case err == io.EOF:
			return nil, &SyntaxError{Offset: int64(len(body)), Msg: "empty body"}
		case err == io.ErrUnexpectedEOF:
			return nil, &SyntaxError{Offset: int64(len(body)), Msg: "unexpected end of input"}
		default:
			return nil, &SyntaxError{Offset: dec.InputOffset(), Msg: err.Error()}
		}
	}
	for i := dec.InputOffset(); i < int64(len(body)); i++ {
		switch body[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return nil, &SyntaxError{Offset: i, Msg: "unexpected data after the top-level value"}
		}
	}
	return v, nil
}

// tooDeep reports whether b nests objects and arrays more than limit levels
// deep, and the offset of the bracket that goes too deep. It does not
// validate b; brackets inside strings are skipped.
func tooDeep(b []byte, limit int) (int, bool) {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > limit {
				return i, true
			}
		case '}', ']':
			depth--
		}
	}
	return 0, false
}
