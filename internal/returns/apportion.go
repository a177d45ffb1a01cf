package returns

// Apportion splits total ≥ 0 over weights ≥ 0 in proportion, exactly, by
// largest remainder (ties to the lower index), for amounts a client sends
// for a whole order that Rebound keeps per line (the Orders API's
// totalTax). Unlike the refund math's own split, total may exceed the sum
// of the weights. All weights zero gives everything to the first part; no
// weights gives nil. The sum of the weights must fit in an int64.
func Apportion(total int64, weights []int64) []int64 {
	if len(weights) == 0 {
		return nil
	}
	var w int64
	for _, x := range weights {
		w += x
	}
	if w == 0 {
		parts := make([]int64, len(weights))
		parts[0] = total
		return parts
	}
	rounds, rest := total/w, total%w
	parts := apportion(rest, weights)
	for i, x := range weights {
		parts[i] += rounds * x
	}
	return parts
}
