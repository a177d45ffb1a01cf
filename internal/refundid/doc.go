// Package refundid is Rebound's side of a Refundid (refundid.com) custom
// integration, without HTTP wiring or storage: Refundid's wire models
// (models.go), the redirect parameter rules and links (params.go, link.go),
// status notifications and their state rules (notify.go), the checks of how
// Refundid authenticates to the merchant (auth.go), the mapping of Rebound's
// orders and returns to Refundid's models (order.go) and a client of
// Refundid's merchant API (client.go). refundidtest is a fake Refundid.
//
// Everything rests on /work/shared/reference/refundid.md, which leaves much
// of Refundid's wire format open; every guess is marked "GAP:" in
// models.go.
package refundid
