package sqlite_test

import (
	"testing"

	"github.com/reboundhq/rebound/internal/store/storetest"
)

// TestContract runs the store contract suite on SQLite.
func TestContract(t *testing.T) { storetest.Exercise(t, storetest.OpenSQLite) }
