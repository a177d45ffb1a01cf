// Package npmtest is test support for the checks that run a vendor's
// published npm package (Redo's OpenAPI spec, the Standard Webhooks
// library): it fetches pinned tarballs with `npm pack` from whatever
// registry npm is configured to use and verifies them against their
// integrity strings. The callers pin the versions and integrities.
package npmtest

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Pack runs `npm pack SPEC...` (each "name@version") into dir, without
// running any package script, and returns the tarballs' paths by package
// name. need says what the packages are for, in the error when npm is
// missing ("the Redo OpenAPI spec"), with hint appended (another way to
// get them, or "").
func Pack(ctx context.Context, dir, need, hint string, specs ...string) (map[string]string, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, fmt.Errorf("npm is needed to fetch %s but was not found (%v); install Node.js and npm%s", need, err, hint)
	}
	args := append([]string{"pack"}, specs...)
	args = append(args, "--pack-destination", dir, "--ignore-scripts", "--json")
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = dir // away from any package.json of the caller
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	what := "npm pack " + strings.Join(specs, " ")
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("`%s` failed: %v\n%s", what, err, Tail(stderr.String()+stdout.String(), 4000))
	}
	// npm says which file is which package in its --json output; a
	// tarball it wrote without saying so (older npm) is found by name.
	var packed []struct{ Name, Version, Filename string }
	_ = json.Unmarshal(stdout.Bytes(), &packed)
	paths := map[string]string{}
	for _, p := range packed {
		// Filename is a bare file name; never let it point elsewhere.
		paths[p.Name] = filepath.Join(dir, filepath.Base(p.Filename))
	}
	if len(paths) == 0 && len(specs) == 1 {
		tgzs, _ := filepath.Glob(filepath.Join(dir, "*.tgz"))
		if len(tgzs) == 1 {
			paths[specName(specs[0])] = tgzs[0]
		}
	}
	for _, s := range specs {
		if _, ok := paths[specName(s)]; !ok {
			return nil, fmt.Errorf("`%s` produced %d tarballs, want %d\n%s", what, len(paths), len(specs), Tail(stdout.String(), 4000))
		}
	}
	return paths, nil
}

// specName is the package name of "name@version" (names may start with @).
func specName(spec string) string {
	if i := strings.LastIndex(spec, "@"); i > 0 {
		return spec[:i]
	}
	return spec
}

// VerifyIntegrity checks data against a Subresource Integrity string of the
// form npm uses, "sha512-<base64 digest>".
func VerifyIntegrity(data []byte, sri string) error {
	algo, want, ok := strings.Cut(sri, "-")
	if !ok || algo != "sha512" {
		return fmt.Errorf("unsupported integrity %q (want sha512-...)", sri)
	}
	sum := sha512.Sum512(data)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("integrity mismatch: got sha512-%s, want %s", got, sri)
	}
	return nil
}

// Tail returns the last n bytes of s, trimmed, marked "..." when cut.
func Tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
