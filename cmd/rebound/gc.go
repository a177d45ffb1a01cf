package main

import (
	"os"
	"runtime/debug"
)

// serverGCPercent is the garbage collector's target (GOGC) of the
// long-running commands — serve, worker and the server benchmarks that
// stand for them — when the environment does not set GOGC. An order sync
// allocates tens of kilobytes (its JSON, the document, the SQL arguments)
// over a live heap of a few megabytes, so with Go's default of 100 the
// collector ran dozens of times a second under load. Measured from outside
// (docs/performance.md): 15–30% less CPU per synced order, for a resident
// size of about 60 MiB instead of 45 MiB.
const serverGCPercent = 400

// tuneGC sets serverGCPercent unless GOGC is set (the operator's choice,
// which the runtime has already applied, wins). GOMEMLIMIT, if set, still
// caps the heap.
func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return
	}
	debug.SetGCPercent(serverGCPercent)
}
