package returns

import "time"

// Refundid (refundid.com) pays shoppers their refund at once and collects
// the parcel later. What Rebound stores of a store's connection to it and of
// each refund it notifies; the wire format is internal/refundid's, the use
// cases internal/refundid/refundidsync's.

// Refundid environments (RefundidIntegration.Environment).
const (
	RefundidProduction = "production"
	RefundidSandbox    = "sandbox"
)

// RefundidIntegration is a store's connection to Refundid: who the store is
// to Refundid (Shop), how Refundid authenticates its calls to Rebound, and
// optionally the key of Refundid's merchant API. Secrets Refundid presents
// are kept as SHA-256 hashes; the merchant API key is sealed
// (internal/secrets).
type RefundidIntegration struct {
	StoreID     string
	Shop        string // Refundid's id of the merchant: the redirect's shop parameter
	Environment string // RefundidProduction or RefundidSandbox
	// URLToken is the secret path segment of the URLs Refundid calls
	// (/integrations/refundid/{token}/...); kept across updates.
	URLToken string
	// BearerHash is the SHA-256 of the bearer token Refundid sends; nil
	// when Refundid sends none.
	BearerHash []byte
	// HeaderName and HeaderHash are a merchant-chosen API-key header and
	// the SHA-256 of its value; "" and nil when not used.
	HeaderName string
	HeaderHash []byte
	// AllowedIPs are the CIDR prefixes calls may come from; empty allows
	// any address.
	AllowedIPs []string
	// APIKeySealed is the sealed X-Refundid-Api-Key; "" when none.
	APIKeySealed string
	// PortalURL and APIURL override the environment's portal and merchant
	// API base URLs; "" keeps the environment's.
	PortalURL, APIURL string
	Status            string // IntegrationConnected or IntegrationFailing
	StatusReason      string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Refundid flows (RefundidRefund.Flow).
const (
	// RefundidFlowRefundid: the shopper started on Refundid's portal from
	// an order link; Rebound creates the return.
	RefundidFlowRefundid = "refundid_initiated"
	// RefundidFlowMerchant: the return exists in Rebound and Refundid
	// refunds it (merchant_rma_ref is the return's id).
	RefundidFlowMerchant = "merchant_initiated"
)

// RefundidRefund is what Rebound knows of one Refundid refund, by its
// refundid_id, built from the notifications received so far.
type RefundidRefund struct {
	StoreID    string
	RefundidID string
	// State is "" (nothing applied yet), "refunding", "refundid" or
	// "failed" (internal/refundid's State).
	State    string
	Flow     string // RefundidFlowRefundid or RefundidFlowMerchant; "" until known
	ReturnID string // the return recording the refund; "" while there is none
	OrderID  string // the return's order
	// Refused is the last notification status refused as contradicting
	// State (failed after refundid), so that it is noted once.
	Refused string
	// Difference is the last difference with Refundid's own record noted by
	// reconciliation, so that it is noted once.
	Difference string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RefundPaidByRefundid is RefundRecord.PaidBy for a refund Refundid paid to
// the shopper: the merchant's system must not pay it again.
const RefundPaidByRefundid = "refundid"

// Timeline event kinds of the Refundid integration.
const (
	TimelineRefundidRefunding  = "refundid.refunding"  // Refundid started paying; the units are held
	TimelineRefundidRefunded   = "refundid.refundid"   // Refundid paid the shopper
	TimelineRefundidFailed     = "refundid.failed"     // Refundid's refund did not happen
	TimelineRefundidRefused    = "refundid.refused"    // a notification contradicting the refund's state
	TimelineRefundidDifference = "refundid.difference" // reconciliation found Refundid's record differs
)
