package webhookstest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Tests of the npm installer itself, with fake tarballs and no npm.

func makeTGZ(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
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

// fakePackages returns two pinned fake packages (one scoped) and a packer
// that writes their tarballs and counts its calls.
func fakePackages(t *testing.T, calls *atomic.Int32) ([]npmPackage, npmPackFunc) {
	a := makeTGZ(t, map[string]string{"package/package.json": `{"name":"a"}`, "package/dist/index.js": "exports.a = 1"})
	b := makeTGZ(t, map[string]string{"package/package.json": `{"name":"@s/b"}`, "package/lib/b.js": "exports.b = 2"})
	pkgs := []npmPackage{{"a", "1.0.0", sri(a)}, {"@s/b", "2.0.0", sri(b)}}
	tgz := map[string][]byte{"a": a, "@s/b": b}
	return pkgs, func(dir string, ps []npmPackage) (map[string]string, error) {
		calls.Add(1)
		time.Sleep(5 * time.Millisecond) // widen the race window in the concurrent test
		out := map[string]string{}
		for _, p := range ps {
			if tgz[p.Name] == nil {
				continue // not in the "registry"
			}
			out[p.Name] = filepath.Join(dir, p.tarball())
			if err := os.WriteFile(out[p.Name], tgz[p.Name], 0o644); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

func TestInstallNPMOnceThenReuses(t *testing.T) {
	var calls atomic.Int32
	pkgs, pack := fakePackages(t, &calls)
	dir := filepath.Join(t.TempDir(), "cache", "lib-1")
	for i := range 3 {
		if err := installNPM(dir, pkgs, pack); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("packed %d times, want 1", n)
	}
	for _, f := range []string{"node_modules/a/dist/index.js", "node_modules/@s/b/lib/b.js", "tarballs/s-b-2.0.0.tgz"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("cache parent holds %d entries, want only the install (temporary dirs must go)", len(entries))
	}

	// Damage: a changed file, then an extra file. Each is detected and the
	// install redone.
	for i, damage := range []func() error{
		func() error {
			return os.WriteFile(filepath.Join(dir, "node_modules/a/dist/index.js"), []byte("evil()"), 0o644)
		},
		func() error {
			return os.WriteFile(filepath.Join(dir, "node_modules/a/dist/extra.js"), []byte("evil()"), 0o644)
		},
	} {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		if verifyInstall(dir, pkgs) == nil {
			t.Fatalf("damage %d not detected", i)
		}
		if err := installNPM(dir, pkgs, pack); err != nil {
			t.Fatalf("reinstall %d: %v", i, err)
		}
		if err := verifyInstall(dir, pkgs); err != nil {
			t.Fatalf("after reinstall %d: %v", i, err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("packed %d times, want 3", n)
	}
}

func TestInstallNPMRejects(t *testing.T) {
	var calls atomic.Int32
	pkgs, pack := fakePackages(t, &calls)
	evil := makeTGZ(t, map[string]string{"package/../../escape.js": "x"})
	for _, c := range []struct {
		name string
		pkgs []npmPackage
		pack npmPackFunc
		want string
	}{
		{"integrity mismatch", []npmPackage{{"a", "1.0.0", sri([]byte("other"))}}, pack, "integrity mismatch"},
		{"unsupported integrity", []npmPackage{{"a", "1.0.0", "sha1-abc"}}, pack, `unsupported integrity "sha1-abc"`},
		{"missing tarball", []npmPackage{{"zzz", "1.0.0", pkgs[0].Integrity}}, pack, "did not produce zzz@1.0.0"},
		{"pack fails", pkgs, func(string, []npmPackage) (map[string]string, error) { return nil, errors.New("npm exploded") }, "npm exploded"},
		{"path traversal", []npmPackage{{"e", "1.0.0", sri(evil)}}, func(dir string, _ []npmPackage) (map[string]string, error) {
			p := filepath.Join(dir, "e.tgz")
			return map[string]string{"e": p}, os.WriteFile(p, evil, 0o644)
		}, "outside the package"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lib")
			err := installNPM(dir, c.pkgs, c.pack)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a rejected install was published (stat: %v)", err)
			}
		})
	}
}

// TestInstallNPMConcurrent installs into one empty cache from many
// goroutines at once, as parallel test processes do.
func TestInstallNPMConcurrent(t *testing.T) {
	var calls atomic.Int32
	pkgs, pack := fakePackages(t, &calls)
	dir := filepath.Join(t.TempDir(), "lib")
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			errs[i] = installNPM(dir, pkgs, pack)
			if errs[i] == nil {
				errs[i] = verifyInstall(dir, pkgs)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("cache parent holds %d entries, want 1", len(entries))
	}
}

func TestNPMPackMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := npmPack(t.TempDir(), swhPackages)
	if err == nil || !strings.Contains(err.Error(), "npm is needed") {
		t.Errorf("err = %v", err)
	}
}
