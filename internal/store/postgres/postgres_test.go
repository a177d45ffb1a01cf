package postgres_test

import (
	"testing"

	"github.com/reboundhq/rebound/internal/store/storetest"
)

// TestContract runs the store contract suite on PostgreSQL (the server of
// REBOUND_TEST_DATABASE_URL, a fresh schema per test). Without the
// variable it is skipped locally and fails under CI.
func TestContract(t *testing.T) {
	storetest.RequirePostgres(t)
	storetest.Exercise(t, storetest.OpenPostgres)
}
