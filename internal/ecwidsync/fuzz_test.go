package ecwidsync_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/ecwidsync"
)

// FuzzVerifyWebhook feeds VerifyWebhook arbitrary secrets, signature
// headers, bodies, clocks and ages. It must never panic; it either returns a
// *WebhookError and no event, or an event whose signature really is Ecwid's
// for that secret, whose age is within bounds, and whose note is one clean
// line. The seed corpus is in testdata/fuzz/FuzzVerifyWebhook.
func FuzzVerifyWebhook(f *testing.F) {
	body, sig := signedWebhook(f, testClientSecret,
		orderUpdated("80aece08-40e8-4145-8764-6c2f0d38678", testNow, "XJ12H", "AWAITING_PROCESSING", "SHIPPED", "PAID", "PAID"))
	f.Add(testClientSecret, sig, body, testNow.Unix(), int64(3600))
	f.Add(testClientSecret, "", body, testNow.Unix(), int64(0))

	f.Fuzz(func(t *testing.T, secret, sigHeader string, body []byte, nowUnix, maxAgeSec int64) {
		now, maxAge := fuzzClock(nowUnix, maxAgeSec)
		ev, err := ecwidsync.VerifyWebhook(secret, sigHeader, body, now, maxAge)
		if err != nil {
			var we *ecwidsync.WebhookError
			if !errors.As(err, &we) {
				t.Fatalf("error %T %v is not a *WebhookError", err, err)
			}
			if ev != nil {
				t.Fatalf("event %+v returned with error %v", ev, err)
			}
			_ = we.Error()
			return
		}
		if ev == nil || ev.EventID == "" || secret == "" {
			t.Fatalf("accepted without event id or secret: %+v", ev)
		}
		if ecwidSignature(secret, ev.Created.Unix(), ev.EventID) != strings.TrimSpace(sigHeader) {
			t.Fatalf("accepted a signature that is not Ecwid's: %q for %+v", sigHeader, ev)
		}
		if maxAge <= 0 {
			maxAge = ecwidsync.DefaultMaxAge
		}
		if now.Sub(ev.Created) > maxAge || ev.Created.Sub(now) > ecwidsync.MaxClockSkew {
			t.Fatalf("accepted an event created %s with now %s, maxAge %s", ev.Created, now, maxAge)
		}
		note := ecwidsync.NoteFor(ev)
		if !utf8.ValidString(note) || strings.ContainsFunc(note, unicode.IsControl) {
			t.Fatalf("note %q is not one clean line", note)
		}
	})
}

// TestFuzzCorpusValidSeeds checks that the corpus entries named valid_* are
// accepted, so that the fuzzer starts from the success path too.
func TestFuzzCorpusValidSeeds(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzVerifyWebhook", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	valid := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 6 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a corpus file for 5 arguments", name)
		}
		arg := func(i int, prefix string) string {
			v, ok := strings.CutPrefix(lines[i], prefix+"(")
			if !ok {
				t.Fatalf("%s: line %d is not %s(...)", name, i, prefix)
			}
			return strings.TrimSuffix(v, ")")
		}
		unq := func(s string) string {
			u, err := strconv.Unquote(s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return u
		}
		secret, sig, body := unq(arg(1, "string")), unq(arg(2, "string")), unq(arg(3, "[]byte"))
		nowUnix, err1 := strconv.ParseInt(arg(4, "int64"), 10, 64)
		maxAge, err2 := strconv.ParseInt(arg(5, "int64"), 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad int64 arguments", name)
		}
		now, age := fuzzClock(nowUnix, maxAge)
		_, err = ecwidsync.VerifyWebhook(secret, sig, []byte(body), now, age)
		if strings.HasPrefix(filepath.Base(name), "valid_") {
			valid++
			if err != nil {
				t.Errorf("%s rejected: %v", name, err)
			}
		} else if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if valid == 0 {
		t.Error("no valid_* seed")
	}
}

// fuzzClock turns the fuzzer's integers into VerifyWebhook's clock and age;
// ages that would overflow a Duration become 0 (the default).
func fuzzClock(nowUnix, maxAgeSec int64) (time.Time, time.Duration) {
	if maxAgeSec < 0 || maxAgeSec > 1<<32 {
		maxAgeSec = 0
	}
	return time.Unix(nowUnix, 0), time.Duration(maxAgeSec) * time.Second
}
