// Package loopapi is Rebound's Loop-compatible warehouse surface: Loop
// Returns' wire shapes (the return object of the Detailed Returns List and of
// Get Return Details, notes, the ASN report, error bodies, webhook
// subscriptions and payloads), the decoding of Loop's requests into typed
// queries, opaque page cursors, and the correspondence between Loop's states
// and actions and Rebound's statuses and transitions.
//
// Its functions are pure, from domain values (internal/returns) and request
// parts (url.Values, body bytes) to wire values, so the handlers
// (internal/loopapi/loophttp) only load, call and write; ids.go reads and
// assigns the numeric ids through the store. Money is computed from
// Rebound's exact minor units and rendered as decimal strings with the
// currency's scale (internal/money).
//
// Numeric ids, which Loop's clients expect, are inputs of the views (IDs),
// kept by the store (store.LoopReader, store.LoopWriter) and assigned when a
// return is created (OnReturnChange); the native 24-hex id travels as
// redo_id, the name Redo's Loop-compatible layer uses, and is accepted as
// ?redo_return_id=.
//
// Where Loop's behaviour differs from its documents, the difference is named
// in loopspectest.Exceptions; MAPPING.md is the table of states and actions.
package loopapi
