package jobs

// RefundidReconcileArgs asks for a store's Refundid refunds, as Refundid's
// merchant API lists them, to be compared with Rebound's records. The job
// runs again a day later (it snoozes itself) for as long as the store has a
// merchant API key configured; one per store is queued at a time.
type RefundidReconcileArgs struct {
	StoreID string `json:"store_id"`
}

// Kind implements river.JobArgs.
func (RefundidReconcileArgs) Kind() string { return "refundid.reconcile" }
