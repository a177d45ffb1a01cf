//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidcli"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// TestEcwidWiring: rebound ecwid (internal/ecwid/ecwidcli, tested there)
// reaches Rebound's database through the same --data-dir as every
// command: a store created by "store create" is connected by "ecwid
// connect" and read with "ecwid profile --store".
func TestEcwidWiring(t *testing.T) {
	for _, k := range []string{ecwidcli.EnvStoreID, ecwidcli.EnvToken, ecwidcli.EnvAPIBaseURL, ecwidcli.EnvClientSecret,
		"REBOUND_LOG_LEVEL", "REBOUND_SECRET_KEY", "REBOUND_DATA_DIR", "REBOUND_DATABASE_URL", "REBOUND_PUBLIC_URL"} {
		t.Setenv(k, "")
	}
	fake := ecwidtest.NewServer(ecwidtest.WithToken("secret_cmdwiring_" + strconv.Itoa(len(t.Name()))))
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	inProcess := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := inProcess("store", "create", "--name", "Acme", "--data-dir", dir)
	var created struct {
		StoreID string `json:"storeId"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil || created.StoreID == "" {
		t.Fatalf("store create: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv(ecwidcli.EnvToken, fake.Token)
	code, out, errOut = inProcess("ecwid", "connect", "--store", created.StoreID, "--ecwid-store-id", strconv.FormatInt(fake.StoreID, 10),
		"--customer-group", "Returns", "--api-base-url", fake.APIRoot(), "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "connected store "+created.StoreID+" to Ecwid store 1003") {
		t.Fatalf("ecwid connect: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv(ecwidcli.EnvToken, "")
	code, out, errOut = inProcess("ecwid", "profile", "--store", created.StoreID, "--data-dir", dir, "--fields", "settings.storeName")
	if code != 0 || strings.TrimSpace(out) != "settings.storeName  Fernhill Outfitters" || errOut != "" {
		t.Errorf("ecwid profile --store: exit %d\n--- stdout:\n%s--- stderr:\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, fake.Token) {
		t.Errorf("the token was printed")
	}
}
