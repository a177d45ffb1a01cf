package redospectest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// makeTarball builds an npm-style package tarball holding files.
func makeTarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeys(files) {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sri(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

const fakeSpec = "openapi: 3.1.0\npaths: {}\n"

func fakePackage(t *testing.T) ([]byte, pin) {
	tgz := makeTarball(t, map[string]string{
		"package/package.json":     `{"name":"x"}`,
		"package/lib/openapi.d.ts": "export {}",
		specInTarball:              fakeSpec,
	})
	return tgz, pin{integrity: sri(tgz), specSHA256: sha256Hex([]byte(fakeSpec))}
}

// packer returns a packFunc that writes tgz into the given directory and
// counts its calls.
func packer(tgz []byte, calls *atomic.Int32) packFunc {
	return func(dir string) (string, error) {
		calls.Add(1)
		p := filepath.Join(dir, "redotech-redo-api-schema-"+PackageVersion+".tgz")
		return p, os.WriteFile(p, tgz, 0o644)
	}
}

func TestCachedSpecFetchesOnceThenReuses(t *testing.T) {
	tgz, p := fakePackage(t)
	dir := filepath.Join(t.TempDir(), "cache")
	var calls atomic.Int32

	for i := range 3 {
		b, path, err := cachedSpec(dir, p, packer(tgz, &calls))
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if string(b) != fakeSpec || path != filepath.Join(dir, specFileName) {
			t.Fatalf("call %d: got %q at %s", i, b, path)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("packed %d times, want 1 (later calls must use the cache)", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != specFileName {
		t.Errorf("cache dir holds %v, want only %s (temporary files must be cleaned up)", entries, specFileName)
	}

	// A damaged cached copy fails its hash check and is fetched again.
	if err := os.WriteFile(filepath.Join(dir, specFileName), []byte("openapi: 3.1.0\npaths: {x: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := cachedSpec(dir, p, packer(tgz, &calls))
	if err != nil || string(b) != fakeSpec {
		t.Fatalf("after damage: %q, %v", b, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("packed %d times, want 2 after the cached file was damaged", n)
	}
}

func TestCachedSpecRejectsBadTarballs(t *testing.T) {
	tgz, p := fakePackage(t)
	var calls atomic.Int32
	for _, c := range []struct {
		name string
		pin  pin
		pack packFunc
		want string
	}{
		{"integrity mismatch", pin{integrity: sri([]byte("something else")), specSHA256: p.specSHA256}, packer(tgz, &calls), "integrity mismatch"},
		{"unsupported integrity", pin{integrity: "sha1-abc", specSHA256: p.specSHA256}, packer(tgz, &calls), `unsupported integrity "sha1-abc"`},
		{"spec hash mismatch", pin{integrity: p.integrity, specSHA256: sha256Hex([]byte("other"))}, packer(tgz, &calls), "package/lib/openapi.yaml has sha256"},
		{"spec missing from tarball", func() pin {
			other := makeTarball(t, map[string]string{"package/package.json": "{}"})
			return pin{integrity: sri(other), specSHA256: p.specSHA256}
		}(), func(dir string) (string, error) {
			return packer(makeTarball(t, map[string]string{"package/package.json": "{}"}), &calls)(dir)
		}, "package/lib/openapi.yaml not found"},
		{"not gzip", pin{integrity: sri([]byte("plain")), specSHA256: p.specSHA256}, packer([]byte("plain"), &calls), "not a gzip file"},
		{"pack fails", p, func(string) (string, error) { return "", errors.New("npm exploded") }, "npm exploded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := cachedSpec(dir, c.pin, c.pack)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, specFileName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a rejected spec was cached (stat: %v)", err)
			}
		})
	}
}

// TestCachedSpecConcurrent runs many fetches of an empty cache at once, as
// parallel test processes do; each must get the whole, verified file.
func TestCachedSpecConcurrent(t *testing.T) {
	tgz, p := fakePackage(t)
	dir := t.TempDir()
	var calls atomic.Int32
	slow := func(d string) (string, error) {
		time.Sleep(10 * time.Millisecond)
		return packer(tgz, &calls)(d)
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _, err := cachedSpec(dir, p, slow)
			if err == nil && string(b) != fakeSpec {
				err = errors.New("wrong content: " + string(b))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, specFileName)); err != nil || string(b) != fakeSpec {
		t.Errorf("cached file: %q, %v", b, err)
	}
}

// fakeNPM puts an executable "npm" shell script first in PATH.
func fakeNPM(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestNPMPack(t *testing.T) {
	tgz, _ := fakePackage(t)
	src := filepath.Join(t.TempDir(), "pkg.tgz")
	args := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(src, tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	cp, err := exec.LookPath("cp")
	if err != nil {
		t.Skip("no cp for the fake npm to use")
	}
	// Arguments: pack SPEC --pack-destination DIR ...
	fakeNPM(t, `echo "$@" > '`+args+`'; '`+cp+`' '`+src+`' "$4/redotech-redo-api-schema-`+PackageVersion+`.tgz"`)
	dest := t.TempDir()
	path, err := npmPack(dest)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dest {
		t.Errorf("tarball at %s, want it in %s", path, dest)
	}
	got, _ := os.ReadFile(args)
	if want := "pack " + PackageName + "@" + PackageVersion + " --pack-destination " + dest + " --ignore-scripts --json"; strings.TrimSpace(string(got)) != want {
		t.Errorf("npm called with %q, want %q", got, want)
	}
}

func TestNPMPackFailures(t *testing.T) {
	t.Run("npm fails", func(t *testing.T) {
		fakeNPM(t, `echo "npm error code E404" >&2; echo "npm error 404 Not Found" >&2; exit 1`)
		_, err := npmPack(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "`npm pack "+PackageName+"@"+PackageVersion+"` failed") ||
			!strings.Contains(err.Error(), "npm error 404 Not Found") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("npm produces nothing", func(t *testing.T) {
		fakeNPM(t, `exit 0`)
		_, err := npmPack(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "produced 0 tarballs") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("npm missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, _, err := cachedSpec(t.TempDir(), pinned, npmPack)
		if err == nil || !strings.Contains(err.Error(), "npm is needed to fetch the Redo OpenAPI spec") ||
			!strings.Contains(err.Error(), EnvSpecPath) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestLoadFailureIsFatal checks that a spec that cannot be had fails the
// test (t.Fatalf), and does not skip it.
func TestLoadFailureIsFatal(t *testing.T) {
	rec := newRecorder(t)
	done := make(chan *Spec)
	go func() {
		var s *Spec
		defer func() { done <- s }()
		s = mustLoad(rec, func() (*Spec, bool, error) { return nil, false, errors.New("npm is needed ...") })
	}()
	if s := <-done; s != nil {
		t.Errorf("mustLoad returned %v after a failure", s)
	}
	if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], "cannot load the Redo OpenAPI spec: npm is needed") {
		t.Errorf("fatals = %q, want one naming the cause", rec.fatals)
	}
	if rec.skipped {
		t.Error("a load failure skipped the test")
	}
}
