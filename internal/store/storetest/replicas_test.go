package storetest

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/store/postgres"
)

// Replicas starting together on one fresh PostgreSQL schema all migrate
// successfully (the advisory lock serialises them) and end up ready.
func TestPostgresReplicasMigrateTogether(t *testing.T) {
	if os.Getenv(EnvDatabaseURL) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s must be set under CI", EnvDatabaseURL)
		}
		t.Skipf("%s is not set", EnvDatabaseURL)
	}
	url := PostgresURL(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			st, err := postgres.Open(context.Background(), postgres.Config{URL: url, Logger: quietLogger()})
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			errs[i] = st.Ready(context.Background())
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
}
