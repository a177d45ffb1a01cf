package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// A caller whose context is cancelled while its function runs in a shared
// write transaction neither fails its statements nor rolls back the other
// callers' writes: the batch commits once, with every write in it, and
// each caller is told so.
func TestCancelWhileBatchedCommitsTheBatch(t *testing.T) {
	st, _, storeID := openWAL(t, sqlite.Config{Path: filepath.Join(t.TempDir(), "rebound.db")})
	ctx := context.Background()
	event := func(tx store.Tx, ctx context.Context, subject string) error {
		return tx.AddEvent(ctx, &returns.Event{StoreID: storeID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: subject})
	}

	// Hold the write loop so that A and B queue behind W and share a batch.
	release := make(chan struct{})
	started := make(chan struct{})
	wDone := make(chan error, 1)
	go func() {
		wDone <- st.Update(ctx, func(store.Tx) error { close(started); <-release; return nil })
	}()
	<-started
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	go func() {
		aDone <- st.Update(actx, func(tx store.Tx) error {
			cancel() // the caller gives up while its function runs
			return event(tx, actx, "a")
		})
	}()
	time.Sleep(50 * time.Millisecond)
	go func() { bDone <- st.Update(ctx, func(tx store.Tx) error { return event(tx, ctx, "b") }) }()
	time.Sleep(50 * time.Millisecond)
	batches0, _ := st.GroupCommitStats()
	close(release)
	for name, ch := range map[string]chan error{"W": wDone, "A": aDone, "B": bDone} {
		select {
		case err := <-ch:
			if err != nil {
				t.Errorf("%s: %v, want nil (its write committed)", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s never returned", name)
		}
	}
	batches, _ := st.GroupCommitStats()
	// W's own commit, then A and B together.
	if n := batches - batches0; n != 2 {
		t.Errorf("commits after the release = %d, want 2 (W's, then A and B in one)", n)
	}
	var subjects []string
	for _, e := range storedEvents(t, st, storeID) {
		subjects = append(subjects, e.SubjectID)
	}
	if len(subjects) != 2 || subjects[0] != "a" || subjects[1] != "b" {
		t.Errorf("events = %v, want [a b]", subjects)
	}
}
