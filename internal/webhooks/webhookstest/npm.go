// Package webhookstest is test support for Rebound's webhook signatures: it
// installs the official Standard Webhooks JavaScript library (npm
// "standardwebhooks", pinned with its dependencies) and runs verify.js, a
// Node.js receiver that checks deliveries with it. Import it only from
// _test.go files; it fails tests (never skips them) when node or npm is
// missing.
package webhookstest

// Fetching the official Standard Webhooks JavaScript library for the
// verification tests, the way internal/redospectest fetches Redo's spec:
// `npm pack` of pinned versions, each tarball checked against its pinned npm
// integrity hash, kept in the user cache directory, published by an atomic
// rename so that concurrent test processes are safe.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/npmtest"
)

// The pinned library. Bumping it means updating the integrity hashes: get
// them from `npm view NAME@VERSION dist.integrity`. Dependencies are pinned
// too (to the newest versions their ranges in standardwebhooks' package.json
// allow: "@stablelib/base64": "^1.0.0", "fast-sha256": "^1.3.0"), so the
// test never runs code that was not reviewed and hashed here.
const (
	// Version is the pinned standardwebhooks version.
	Version      = "1.1.1"
	swhIntegrity = "sha512-bCbX9ZEyFkWPsRz7Bl3NuQUJohmwGSev/yhr7vhaGPlc4AfIrspIRa6cPTBuI1ItmrTDJ4d/S2hCsfe4+vQGnQ=="

	npmTimeout = 5 * time.Minute
	maxNPMFile = 16 << 20
)

// npmPackage is one pinned npm package.
type npmPackage struct {
	Name, Version, Integrity string
}

var swhPackages = []npmPackage{
	{"standardwebhooks", Version, swhIntegrity},
	{"@stablelib/base64", "1.0.1", "sha512-1bnPQqSxSuc3Ii6MhBysoWCg58j97aUjuCSZrGSmDxNqtytIi0k8utUenAwTZN4V5mXXYGsVUI9zeBqy+jBOSQ=="},
	{"fast-sha256", "1.3.0", "sha512-n11RGP/lrWEFI/bWdygLxhI+pVeo1ZYIVwvvPkW7azl/rOy+F3HYRZ2K5zeE9mmkhQppyv9sQFx0JM9UabnpPQ=="},
}

func (p npmPackage) spec() string { return p.Name + "@" + p.Version }

// tarball is npm's file name for the package's tarball.
func (p npmPackage) tarball() string {
	return strings.ReplaceAll(strings.TrimPrefix(p.Name, "@"), "/", "-") + "-" + p.Version + ".tgz"
}

// npmPackFunc fetches the tarballs of pkgs into dir and returns their paths
// by package name.
type npmPackFunc func(dir string, pkgs []npmPackage) (map[string]string, error)

// Dir returns a directory whose node_modules holds the pinned
// standardwebhooks and its dependencies, fetching them on first use. It
// fails the test, never skips it, when that is impossible.
func Dir(t testing.TB) string {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no user cache directory to keep standardwebhooks@%s in: %v", Version, err)
	}
	dir := filepath.Join(base, "rebound", "standardwebhooks-"+Version)
	if err := installNPM(dir, swhPackages, npmPack); err != nil {
		t.Fatalf("cannot install the Standard Webhooks library (standardwebhooks@%s) for the signature tests: %v", Version, err)
	}
	return dir
}

// installNPM makes dir hold tarballs/<tarball> and node_modules/<name>/ for
// each of pkgs, each tarball matching its pinned integrity and each
// node_modules tree matching its tarball file for file. An existing dir that
// passes that check is used as is.
//
// Otherwise the packages are packed and extracted into a fresh temporary
// directory beside dir, which is then renamed to dir. If another process
// got there first, its dir is used when it passes the check; a damaged dir
// is moved aside and replaced. Readers therefore only ever see a complete
// install (the check catches anything else).
func installNPM(dir string, pkgs []npmPackage, pack npmPackFunc) error {
	if verifyInstall(dir, pkgs) == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}

	packDir := filepath.Join(tmp, "pack")
	if err := os.Mkdir(packDir, 0o755); err != nil {
		return err
	}
	paths, err := pack(packDir, pkgs)
	if err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(tmp, "tarballs"), 0o755); err != nil {
		return err
	}
	for _, p := range pkgs {
		src, ok := paths[p.Name]
		if !ok {
			return fmt.Errorf("npm pack did not produce %s", p.spec())
		}
		tgz, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := npmtest.VerifyIntegrity(tgz, p.Integrity); err != nil {
			return fmt.Errorf("%s: %w", p.spec(), err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "tarballs", p.tarball()), tgz, 0o644); err != nil {
			return err
		}
		if err := extractPackage(tgz, filepath.Join(tmp, "node_modules", filepath.FromSlash(p.Name))); err != nil {
			return fmt.Errorf("%s: %w", p.spec(), err)
		}
	}
	if err := os.RemoveAll(packDir); err != nil {
		return err
	}
	if err := verifyInstall(tmp, pkgs); err != nil {
		return fmt.Errorf("fresh install does not verify: %w", err)
	}

	for range 3 {
		if err := os.Rename(tmp, dir); err == nil {
			return nil
		}
		if verifyInstall(dir, pkgs) == nil {
			return nil // another process installed it meanwhile
		}
		// A damaged or partial dir is in the way: move it aside and retry.
		old, err := os.MkdirTemp(parent, filepath.Base(dir)+".old-*")
		if err != nil {
			return err
		}
		if err := os.Rename(dir, filepath.Join(old, "x")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			os.RemoveAll(old)
			return fmt.Errorf("moving damaged %s aside: %w", dir, err)
		}
		os.RemoveAll(old)
	}
	if err := verifyInstall(dir, pkgs); err != nil {
		return fmt.Errorf("could not install into %s: %w", dir, err)
	}
	return nil
}

// verifyInstall checks dir as installNPM leaves it: every tarball matches
// its pinned integrity, and node_modules holds exactly the regular files of
// the tarballs with the same contents.
func verifyInstall(dir string, pkgs []npmPackage) error {
	want := map[string]bool{} // slash paths relative to node_modules
	for _, p := range pkgs {
		tgz, err := os.ReadFile(filepath.Join(dir, "tarballs", p.tarball()))
		if err != nil {
			return err
		}
		if err := npmtest.VerifyIntegrity(tgz, p.Integrity); err != nil {
			return fmt.Errorf("%s: %w", p.spec(), err)
		}
		err = walkPackage(tgz, func(rel string, data []byte) error {
			name := path.Join(p.Name, rel)
			want[name] = true
			got, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name)))
			if err != nil {
				return err
			}
			if !bytes.Equal(got, data) {
				return fmt.Errorf("node_modules/%s differs from its tarball", name)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	root := filepath.Join(dir, "node_modules")
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if !want[filepath.ToSlash(rel)] {
			return fmt.Errorf("unexpected file node_modules/%s", filepath.ToSlash(rel))
		}
		return nil
	})
}

// extractPackage writes the regular files of an npm tarball into dest,
// without the tarball's top directory ("package/").
func extractPackage(tgz []byte, dest string) error {
	return walkPackage(tgz, func(rel string, data []byte) error {
		p := filepath.Join(dest, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	})
}

// walkPackage calls fn for each regular file of an npm tarball, with its
// path below the top directory. Other entries are ignored; a path that
// would leave the package is an error.
func walkPackage(tgz []byte, fn func(rel string, data []byte) error) error {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return fmt.Errorf("not a gzip file: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		_, rel, ok := strings.Cut(h.Name, "/")
		rel = path.Clean(rel)
		if !ok || rel == "." || !fs.ValidPath(rel) {
			return fmt.Errorf("tarball entry %q is outside the package", h.Name)
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxNPMFile+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", h.Name, err)
		}
		if len(data) > maxNPMFile {
			return fmt.Errorf("%s is larger than %d bytes", h.Name, maxNPMFile)
		}
		if err := fn(rel, data); err != nil {
			return err
		}
	}
}

// npmPack runs `npm pack NAME@VERSION...` into dir and returns the
// tarballs by package name.
func npmPack(dir string, pkgs []npmPackage) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	specs := make([]string, len(pkgs))
	for i, p := range pkgs {
		specs[i] = p.spec()
	}
	return npmtest.Pack(ctx, dir, "the Standard Webhooks library", "", specs...)
}

// Node returns the path of node, failing the test when there is none.
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to check webhook signatures with the official Standard Webhooks library: %v", err)
	}
	return node
}

// Script returns the path of verify.js (see its header for its modes).
func Script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "verify.js")
}

// StartReceiver starts verify.js as an HTTP receiver on 127.0.0.1 that
// verifies every POST with new Webhook(secret).verify (and X-Loop-Signature
// with loopSecret when the request has one), answering 200 or 401; it
// returns its URL and stops when the test ends.
func StartReceiver(t testing.TB, secret, loopSecret string) string {
	t.Helper()
	node, dir := Node(t), Dir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, Script(), dir, "serve", secret, loopSecret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var port int
	var version string
	if _, serr := fmt.Sscanf(line, "listening %d %s", &port, &version); err != nil || serr != nil {
		t.Fatalf("receiver did not start: %q %v %v\n%s", line, err, serr, stderr.String())
	}
	if version != Version {
		t.Fatalf("receiver loaded standardwebhooks %s, want %s", version, Version)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/hook", port)
}
