// Package returns is Rebound's domain core: stores, API keys, orders, returns
// and the rules that govern them. It performs no I/O: persistence lives in
// internal/store and its backends, wire formats in the API adapters.
package returns
