// Package webtest is test support for Rebound's server-rendered pages: it
// drives Debian's chromium with chromedp (headless, a fresh profile, no
// network but what the page asks for), injects axe-core (from npm, pinned
// and integrity-checked) to check accessibility, and takes screenshots.
//
// Browser tests call Browser, which skips the test when chromium is
// missing, except under CI (CI=true), where it fails it.
package webtest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/reboundhq/rebound/internal/npmtest"
)

// AxeVersion and AxeIntegrity pin the axe-core npm package.
const (
	AxeVersion   = "4.10.3"
	AxeIntegrity = "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
)

// ChromiumPath finds the browser: $REBOUND_CHROMIUM, else chromium or
// chromium-browser on PATH; "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("REBOUND_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Browser starts a headless chromium for the test and returns a context
// for chromedp actions, cancelled (and the browser stopped) when the test
// ends. Without chromium the test is skipped, or failed under CI.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is needed for the browser tests under CI (apt-get install chromium)")
		}
		t.Skip("chromium not installed (apt-get install chromium); browser test skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Only this machine answers: any other host fails at once instead
		// of hanging the page's load (an order's product image elsewhere).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 1200),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	// Deadline so that a hung browser fails the test instead of the run.
	ctx, cancelC := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

var (
	axeOnce sync.Once
	axeJS   string
	axeErr  error
)

// axeSource fetches axe-core's axe.min.js once per test binary.
func axeSource() (string, error) {
	axeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rebound-axe-")
		if err != nil {
			axeErr = err
			return
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		paths, err := npmtest.Pack(ctx, dir, "axe-core (accessibility checks)", "", "axe-core@"+AxeVersion)
		if err != nil {
			axeErr = err
			return
		}
		tgz, err := os.ReadFile(paths["axe-core"])
		if err != nil {
			axeErr = err
			return
		}
		if err := npmtest.VerifyIntegrity(tgz, AxeIntegrity); err != nil {
			axeErr = fmt.Errorf("axe-core@%s: %w", AxeVersion, err)
			return
		}
		axeJS, axeErr = fileInTgz(paths["axe-core"], "package/axe.min.js")
	})
	return axeJS, axeErr
}

func fileInTgz(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return "", fmt.Errorf("%s not in %s: %v", name, path, err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			return string(b), err
		}
	}
}

// Violation is one axe-core rule the page breaks.
type Violation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	}
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s", n.Target, n.HTML)
	}
	return b.String()
}

// Axe injects axe-core into the current page (through the DevTools
// protocol, so the page's CSP does not apply) and returns the violations
// of impact serious or critical (WCAG 2.x A and AA and best practices).
func Axe(ctx context.Context) ([]Violation, error) {
	src, err := axeSource()
	if err != nil {
		return nil, err
	}
	run := `(async () => { const r = await axe.run(document, {resultTypes: ["violations"]}); return JSON.stringify(r.violations); })()`
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src+";0")); err != nil {
		return nil, fmt.Errorf("injecting axe: %w", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe: %w", err)
	}
	var all []Violation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return nil, err
	}
	var out []Violation
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out, nil
}

// Screenshot saves a full-page PNG of the current page at path.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}
