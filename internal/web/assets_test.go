package web

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// htmxSHA256 is the digest of dist/htmx.min.js in htmx.org@HTMXVersion
// as vendor.sh copied it.
const htmxSHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"

func TestVendoredHTMX(t *testing.T) {
	b, err := assetFS.ReadFile("assets/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != htmxSHA256 {
		t.Fatalf("assets/htmx.min.js has sha256 %s, want %s (htmx.org@%s): re-run vendor.sh", got, htmxSHA256, HTMXVersion)
	}
}
