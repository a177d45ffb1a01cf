package storetest

import (
	"testing"

	"github.com/reboundhq/rebound/internal/store"
)

// Opener opens a fresh, empty store for one test (closed when it ends).
type Opener func(t testing.TB) store.Store

// contract lists every test of the store contract, one per behaviour;
// each gets a fresh store.
var contract = []struct {
	name string
	fn   func(t *testing.T, st store.Store)
}{
	{"Stores", testStores},
	{"APIKeys", testAPIKeys},
	{"Orders", testOrders},
	{"UpsertOrders", testUpsertOrders},
	{"InsertNewOrders", testInsertNewOrders},
	{"UpdateAtomicity", testUpdateAtomicity},
	{"ConcurrentUpsertSameOrder", testConcurrentUpsertSameOrder},
	{"Events", testEvents},
	{"AddEvents", testAddEvents},
	{"Ready", testReady},
	{"TakeEventsWhileWriting", testTakeEventsWhileWriting},
	{"CancelledUpdateBehindFailureReturns", testCancelledUpdateBehindFailureReturns},
	{"StaleDispatchRecovery", testStaleDispatchRecovery},
	{"RequestDispatchWhileRunning", testRequestDispatchWhileRunning},
	{"DispatchBesideABusyQueue", testDispatchBesideABusyQueue},
	{"SaveOrder", testSaveOrder},
	{"EcwidIntegrations", testEcwidIntegrations},
	{"ReturnRoundTrip", testReturnRoundTrip},
	{"ListReturns", testListReturns},
	{"IdempotencyKeys", testIdempotencyKeys},
	{"TimelineCommentsBlobs", testTimelineCommentsBlobs},
	{"ReturnTags", testReturnTags},
	{"PolicyAndGiftCards", testPolicyAndGiftCards},
	{"LockOrderAndOrdersByID", testLockOrderAndOrdersByID},
	{"LockOrderSerialises", testLockOrderSerialises},
	{"PutReturnTagConcurrent", testPutReturnTagConcurrent},
	{"GetOrdersByIDSeesResyncs", testGetOrdersByIDSeesResyncs},
	{"WebhookCRUD", testWebhookCRUD},
	{"DeliveryRoundTripAndCascade", testDeliveryRoundTripAndCascade},
	{"ClaimOrderPerSubject", testClaimOrderPerSubject},
	{"ClaimLeases", testClaimLeases},
	{"DisabledWebhookAndPending", testDisabledWebhookAndPending},
	{"ConcurrentClaimers", testConcurrentClaimers},
	{"ResetDelivery", testResetDelivery},
	{"ListDeliveries", testListDeliveries},
	{"ListEventsSince", testListEventsSince},
	{"FinishAttemptsLargeBatch", testFinishAttemptsLargeBatch},
	{"PruneDeliveries", testPruneDeliveries},
	{"FinishAfterLostLease", testFinishAfterLostLease},
	{"RefundidIntegrations", testRefundidIntegrations},
	{"RefundidRefundsAndKeys", testRefundidRefundsAndKeys},
	{"LockRefundidRefundSerialises", testLockRefundidRefundSerialises},
	{"LoopIDs", testLoopIDs},
	{"ListLoopReturns", testListLoopReturns},
	{"ShippingSettings", testShippingSettings},
	{"Shipments", testShipments},
	{"CarrierRecords", testCarrierRecords},
	{"Invoices", testInvoices},
	{"OutboxEmails", testOutboxEmails},
}

// Exercise runs the whole store contract suite against the backend that
// open opens, one subtest per behaviour, each on a fresh store. Every
// backend's package calls it once (sqlite_test.go, postgres_test.go).
func Exercise(t *testing.T, open Opener) {
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}
