// Package shipping is the domain of return shipping: addresses, parcels,
// rates, shipments and their labels, tracking statuses, and the Carrier
// interface every carrier integration implements (the built-in rate table in
// ratetable/, EasyPost in easypost/).
//
// It performs no I/O. Amounts are integer minor units of an ISO 4217
// currency (see internal/money); weights and dimensions are exact decimals
// with explicit units, converted with exact rational arithmetic.
//
// Errors returned by this package and by carriers are *Error values whose
// Code a surface maps to its transport (see ErrorCode).
package shipping
