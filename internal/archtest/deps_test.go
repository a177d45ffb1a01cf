// Package archtest checks the dependency rules of DESIGN.md's layout with
// the go tool itself: they hold for the code as built, not as intended.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/reboundhq/rebound/internal/"

// deps returns the packages (transitively) imported by the non-test code
// of the packages matching pattern.
func deps(t *testing.T, pattern string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, out)
	}
	return strings.Fields(string(out))
}

func forbid(t *testing.T, pattern string, banned ...string) {
	t.Helper()
	for _, d := range deps(t, pattern) {
		for _, b := range banned {
			if d == b || strings.HasPrefix(d, b+"/") {
				t.Errorf("%s links %s", pattern, d)
			}
		}
	}
}

// The storage layer links no integration, no surface and no metrics.
func TestStoreLinksNoIntegration(t *testing.T) {
	forbid(t, "../store/...", module+"ecwid", module+"ecwidsync", module+"webhooks", module+"redoapi", module+"server",
		module+"app", "github.com/prometheus/client_golang")
}

// jobs is a leaf: job argument types only.
func TestJobsIsALeaf(t *testing.T) {
	for _, d := range deps(t, "../jobs") {
		if strings.HasPrefix(d, module) && d != module+"jobs" {
			t.Errorf("jobs imports %s", d)
		}
	}
}

// The domain does no I/O through Rebound's other packages and knows no
// transport.
func TestDomainIsAtTheBottom(t *testing.T) {
	for _, d := range deps(t, "../returns") {
		if strings.HasPrefix(d, module) && d != module+"returns" && d != module+"money" {
			t.Errorf("returns imports %s", d)
		}
		if d == "net/http" || d == "database/sql" {
			t.Errorf("returns imports %s", d)
		}
	}
}

// The core use cases import no integration and no surface.
func TestAppImportsNoIntegration(t *testing.T) {
	forbid(t, "../app", module+"ecwid", module+"ecwidsync", module+"webhooks", module+"redoapi", module+"server", module+"httpx")
}

// server is wiring only: it imports the surfaces' packages but holds none
// of their handlers — checked by its imports of the surfaces being only
// their Mount-style entry points, i.e. it never imports the wire-format
// packages directly.
func TestServerHoldsNoWireFormat(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, "../server").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, d := range strings.Fields(string(out)) {
		switch d {
		case module + "redoview", module + "customorder", module + "money":
			t.Errorf("server imports the wire-format package %s", d)
		}
	}
}
