// Package examples embeds example payloads shared by the demo mode, the
// benchmarks and the documentation: an order in Redo's Sync Custom Order
// shape (the integration guide's example, with a real-looking email).
package examples

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed order.json
var order []byte

// Order returns the example order body.
func Order() []byte { return append([]byte(nil), order...) }

// OrderWithID returns the example order body with its "id" replaced.
func OrderWithID(id string) []byte {
	var m map[string]any
	if err := json.Unmarshal(order, &m); err != nil {
		panic(fmt.Sprintf("examples: embedded order: %v", err))
	}
	m["id"] = id
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("examples: %v", err))
	}
	return b
}
