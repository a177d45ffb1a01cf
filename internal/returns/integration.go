package returns

import "time"

// Integration statuses.
const (
	IntegrationConnected = "connected" // the credentials worked when last checked
	IntegrationFailing   = "failing"   // the last call to the platform failed; see StatusReason
)

// EcwidIntegration is a store's connection to its Ecwid shop. Secrets are
// held sealed (see internal/secrets) and never leave the app in clear.
type EcwidIntegration struct {
	StoreID            string
	EcwidStoreID       int64  // the store id as Ecwid shows it
	TokenSealed        string // sealed access token
	CustomerGroup      string // Ecwid customer group return orders are tagged with
	ClientID           string // optional, for webhooks
	ClientSecretSealed string // sealed client secret; "" when none
	APIBaseURL         string // "" means Ecwid's default API root
	// WebhookToken is the random path segment of the store's unique webhook
	// URL (/integrations/ecwid/webhooks/{token}); kept across updates.
	WebhookToken string
	Status       string // IntegrationConnected or IntegrationFailing
	StatusReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}
