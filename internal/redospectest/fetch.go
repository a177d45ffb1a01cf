package redospectest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/reboundhq/rebound/internal/npmtest"
)

// The pinned spec. Bumping the version means updating all three hashes: get
// PackageIntegrity from `npm view @redotech/redo-api-schema@VERSION dist.integrity`
// and SpecSHA256 from `sha256sum package/lib/openapi.yaml` in the packed tarball.
const (
	// PackageName is the npm package that carries Redo's OpenAPI document.
	PackageName = "@redotech/redo-api-schema"
	// PackageVersion is the pinned version of PackageName.
	PackageVersion = "2.2.693"
	// PackageIntegrity is npm's dist.integrity (Subresource Integrity,
	// sha512) of the pinned tarball. A tarball that does not match is rejected.
	PackageIntegrity = "sha512-D+wADQoQWtyQkMyRPrlPX/y8i+IkomCJTqPTPLDVg3bN2U0JJcq5ltdwtbjag89B1VwS2DT0WIVIrpX04xYHOA=="
	// SpecSHA256 is the hex sha256 of package/lib/openapi.yaml inside that
	// tarball. It guards the extracted copy kept in the user cache directory.
	SpecSHA256 = "7d26077dc8e04db392384bb2d21fc5c326f2cf05a399b219a86f971370849653"

	// EnvSpecPath names the environment variable that, when set, points at an
	// openapi.yaml to use instead of the pinned npm package. No hash check is
	// made on such a file: it is the caller's explicit choice.
	EnvSpecPath = "REBOUND_REDO_SPEC"

	specInTarball = "package/lib/openapi.yaml"
	specFileName  = "openapi.yaml"
	maxSpecSize   = 64 << 20
	npmTimeout    = 5 * time.Minute
)

// pin is what a fetched tarball and the cached spec are checked against.
type pin struct {
	integrity  string // SRI of the tarball, "sha512-<base64>"
	specSHA256 string // hex sha256 of the extracted openapi.yaml
}

var pinned = pin{integrity: PackageIntegrity, specSHA256: SpecSHA256}

// packFunc fetches the package tarball into dir and returns its path.
type packFunc func(dir string) (string, error)

// readSpec returns the spec's YAML and a description of where it came from:
// the file named by $REBOUND_REDO_SPEC, or else the cached (and, on a cache
// miss, freshly npm-packed) pinned package.
func readSpec() (yml []byte, source string, err error) {
	if p := os.Getenv(EnvSpecPath); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, "", fmt.Errorf("reading spec named by $%s: %w", EnvSpecPath, err)
		}
		return b, fmt.Sprintf("%s (from $%s)", p, EnvSpecPath), nil
	}
	dir, err := cacheDir()
	if err != nil {
		return nil, "", err
	}
	b, path, err := cachedSpec(dir, pinned, npmPack)
	if err != nil {
		return nil, "", err
	}
	return b, fmt.Sprintf("%s@%s (%s)", PackageName, PackageVersion, path), nil
}

func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory to keep %s@%s in (%v); set $%s to a local openapi.yaml",
			PackageName, PackageVersion, err, EnvSpecPath)
	}
	return filepath.Join(base, "rebound", "redo-api-schema-"+PackageVersion), nil
}

// cachedSpec returns dir/openapi.yaml if its sha256 matches p, and otherwise
// packs the package with pack, checks the tarball against p.integrity,
// extracts the spec, checks it against p.specSHA256 and stores it in dir.
//
// Several test processes may run this at once on the same dir (go test runs
// packages in parallel): each packs into its own temporary directory and
// publishes the spec by an atomic rename, so a reader sees either no file or
// a complete one, and the hash check catches anything else.
func cachedSpec(dir string, p pin, pack packFunc) ([]byte, string, error) {
	path := filepath.Join(dir, specFileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil && sha256Hex(b) == p.specSHA256:
		return b, path, nil
	case err == nil:
		// Stale or damaged: fetch again and overwrite it below.
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("reading cached spec: %w", err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("creating spec cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "pack-*")
	if err != nil {
		return nil, "", fmt.Errorf("creating temporary directory for npm pack: %w", err)
	}
	defer os.RemoveAll(tmp)

	tgzPath, err := pack(tmp)
	if err != nil {
		return nil, "", err
	}
	tgz, err := os.ReadFile(tgzPath)
	if err != nil {
		return nil, "", fmt.Errorf("reading packed tarball: %w", err)
	}
	if err := npmtest.VerifyIntegrity(tgz, p.integrity); err != nil {
		return nil, "", fmt.Errorf("%s@%s tarball: %w", PackageName, PackageVersion, err)
	}
	yml, err := extractFile(tgz, specInTarball)
	if err != nil {
		return nil, "", fmt.Errorf("%s@%s tarball: %w", PackageName, PackageVersion, err)
	}
	if got := sha256Hex(yml); got != p.specSHA256 {
		return nil, "", fmt.Errorf("%s@%s: %s has sha256 %s, want %s", PackageName, PackageVersion, specInTarball, got, p.specSHA256)
	}
	if err := writeFileAtomic(path, yml); err != nil {
		return nil, "", fmt.Errorf("caching spec: %w", err)
	}
	return yml, path, nil
}

// npmPack runs `npm pack NAME@VERSION` into dir, with whatever registry npm
// is configured to use, and returns the tarball's path.
func npmPack(dir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	paths, err := npmtest.Pack(ctx, dir, "the Redo OpenAPI spec "+PackageName+"@"+PackageVersion,
		", or set $"+EnvSpecPath+" to a local openapi.yaml", PackageName+"@"+PackageVersion)
	if err != nil {
		return "", err
	}
	return paths[PackageName], nil
}

// extractFile returns the regular file called name in the gzipped tar tgz.
func extractFile(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("not a gzip file: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s not found", name)
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if h.Name != name || h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxSpecSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if len(b) > maxSpecSize {
			return nil, fmt.Errorf("%s is larger than %d bytes", name, maxSpecSize)
		}
		return b, nil
	}
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path, so concurrent readers never see a partial file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
