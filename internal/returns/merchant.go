package returns

import (
	"slices"
	"strings"
	"time"
)

// Merchant is a store in Redo's sense: the tenant every order, return and
// key belongs to (its id is the API's storeId). Not to be confused with
// store.Store, the database.
type Merchant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Scope is a permission an API key grants, named as Redo names them.
type Scope string

// The scopes Rebound knows, as in Redo's API reference.
const (
	ScopeOrdersRead            Scope = "orders_read"
	ScopeOrdersWrite           Scope = "orders_write"
	ScopeReturnsRead           Scope = "returns_read"
	ScopeReturnsWrite          Scope = "returns_write"
	ScopeWebhooksRead          Scope = "webhooks_read"
	ScopeWebhooksWrite         Scope = "webhooks_write"
	ScopeInvoicesRead          Scope = "invoices_read"
	ScopeCustomersRead         Scope = "customers_read"
	ScopeCustomersWrite        Scope = "customers_write"
	ScopeCustomerEventsWrite   Scope = "customer_events_write"
	ScopeInboundShipmentsRead  Scope = "inbound_shipments_read"
	ScopeInventoryRead         Scope = "inventory_read"
	ScopeProductsWrite         Scope = "products_write"
	ScopeStorefrontEventsWrite Scope = "storefront_events_write"
)

// AllScopes lists every scope, the default grant of a new key.
var AllScopes = []Scope{
	ScopeOrdersRead, ScopeOrdersWrite, ScopeReturnsRead, ScopeReturnsWrite,
	ScopeWebhooksRead, ScopeWebhooksWrite, ScopeInvoicesRead,
	ScopeCustomersRead, ScopeCustomersWrite, ScopeCustomerEventsWrite,
	ScopeInboundShipmentsRead, ScopeInventoryRead, ScopeProductsWrite, ScopeStorefrontEventsWrite,
}

// ParseScopes parses a comma-separated scope list. An empty list means all
// scopes. It returns EINVALID naming the first unknown scope.
func ParseScopes(s string) ([]Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return slices.Clone(AllScopes), nil
	}
	var out []Scope
	for part := range strings.SplitSeq(s, ",") {
		sc := Scope(strings.TrimSpace(part))
		if sc == "" {
			continue
		}
		if !slices.Contains(AllScopes, sc) {
			return nil, &Error{Code: EINVALID, Field: "scopes", Message: "unknown scope " + string(sc)}
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Code: EINVALID, Field: "scopes", Message: "no scope given"}
	}
	return out, nil
}

// APIKey is a credential for one store. Only a hash of its secret is kept;
// the full key is shown once, when it is created.
type APIKey struct {
	ID        string     `json:"id"`
	StoreID   string     `json:"storeId"`
	Hash      []byte     `json:"-"`
	Label     string     `json:"label,omitempty"` // free text, e.g. "demo"
	Scopes    []Scope    `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Allows reports whether the key grants scope.
func (k *APIKey) Allows(scope Scope) bool { return slices.Contains(k.Scopes, scope) }

// Event is a durable record of something that happened to a subject (an
// order, a return), written in the same transaction as the change and later
// fanned out to webhook subscriptions.
type Event struct {
	ID          int64     `json:"id"`
	StoreID     string    `json:"storeId"`
	Kind        string    `json:"kind"` // e.g. "order.synced"
	SubjectType string    `json:"subjectType"`
	SubjectID   string    `json:"subjectId"`
	Payload     []byte    `json:"payload"` // JSON
	CreatedAt   time.Time `json:"createdAt"`
	// Dispatched is true once the event has been fanned out.
	Dispatched bool `json:"dispatched"`
}

// Event kinds.
const (
	EventOrderSynced   = "order.synced"
	EventOrderDeleted  = "order.deleted"
	EventReturnCreated = "return.created" // payload: ReturnChange
	EventReturnUpdated = "return.updated" // payload: ReturnChange
)
