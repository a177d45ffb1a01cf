package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestEcwidWalkthrough runs docs/ecwid.md's "Trying it without an Ecwid
// account" verbatim: Rebound and the fake Ecwid in the background, a store
// connected, an approved return mirrored into exactly one Ecwid order, the
// fake's signed order.updated webhook and a hand-made one noted on the
// timeline.
func TestEcwidWalkthrough(t *testing.T) {
	text := runDoc(t, "docs/ecwid.md", "walkthrough", "REBOUND_ADDR="+freeAddr(t), "FAKE_ADDR="+freeAddr(t))
	t.Logf("walkthrough output:\n%s", text)
	m := regexp.MustCompile(`(?m)^Ecwid order (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no Ecwid order named:\n%s", text)
	}
	for _, want := range []string{"connected\n", "Ecwid order " + m[1] + " updated: fulfillment AWAITING_PROCESSING → PROCESSING",
		`"status":"recorded"`, "-> 200 OK"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}
