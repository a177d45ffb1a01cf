package returns

// Money is an exact amount in integer minor units (cents for USD, yen for JPY,
// thousandths for KWD) of an ISO 4217 currency.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// MoneySet is an amount in the shop's currency and in the currency the
// shopper saw (presentment), as Redo's order schema carries them.
type MoneySet struct {
	Shop        Money `json:"shop"`
	Presentment Money `json:"presentment"`
}
