package label

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool returns the path of a command-line tool the tests need, failing the
// test (not skipping it) when it is missing.
func tool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: these tests need it; install the Debian package %s (apt-get install -y %s)", name, debianPackage, debianPackage)
	}
	return p
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, stderr.String())
	}
	return out
}

// pdfText extracts the text of a PDF with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	bin := tool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return string(run(t, bin, "-enc", "UTF-8", path, "-"))
}

// pdfPNG renders the first page of a PDF to PNG at dpi with pdftoppm and
// returns the PNG's path.
func pdfPNG(t *testing.T, pdf []byte, dpi string) string {
	bin := tool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, bin, "-r", dpi, "-png", "-singlefile", "-f", "1", path, filepath.Join(dir, "page"))
	return filepath.Join(dir, "page.png")
}

// symbols decodes the barcodes of an image with zbarimg (zbar-tools) and
// returns them by type ("CODE-128", "QR-Code").
func symbols(t *testing.T, png string) map[string][]string {
	bin := tool(t, "zbarimg", "zbar-tools")
	out := run(t, bin, "-q", png)
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		kind, data, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("zbarimg output %q", line)
		}
		got[kind] = append(got[kind], data)
	}
	return got
}
