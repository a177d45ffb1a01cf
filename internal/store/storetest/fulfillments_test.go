package storetest

import "testing"

func TestSaveOrder(t *testing.T) { ForEachBackend(t, testSaveOrder) }
