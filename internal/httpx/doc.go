// Package httpx holds what every HTTP surface of Rebound shares: reading
// request bodies with limits, strict and tolerant JSON decoding with errors
// that name the member, JSON and problem+json encoding, the one table from
// returns.Error codes to HTTP statuses, request ids and the request logger.
// A surface (internal/redoapi, internal/loopapi, ...) chooses only the
// shape of its error bodies; the status of an error is decided here.
package httpx
