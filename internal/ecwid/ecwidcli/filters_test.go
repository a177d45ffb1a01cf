package ecwidcli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func newTestFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func TestOptVar(t *testing.T) {
	var n *int64
	var b *bool
	fs := newTestFlags()
	optVar(fs, &n, "count", "", parseNumber[int64])
	optVar(fs, &b, "on", "", parseBool, true)
	if err := fs.Parse(nil); err != nil || n != nil || b != nil {
		t.Fatalf("unset optional flags must stay nil: %v %v %v", n, b, err)
	}
	if err := fs.Parse([]string{"--count", "0", "--on"}); err != nil || n == nil || *n != 0 || b == nil || !*b {
		t.Fatalf("--count 0 --on: %v %v %v", n, b, err)
	}
	if err := fs.Parse([]string{"--on=false"}); err != nil || *b {
		t.Errorf("--on=false: %v %v", *b, err)
	}
	if got := fs.Lookup("count").Value.String(); got != "0" {
		t.Errorf("String() = %q", got)
	}
	for _, args := range [][]string{{"--count", "x"}, {"--count", "1.5"}, {"--on=maybe"}} {
		if err := fs.Parse(args); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
	// The zero value prints nothing (PrintDefaults calls String on it).
	if (&optFlag[int64]{}).String() != "" || (*optFlag[int64])(nil).IsBoolFlag() {
		t.Errorf("zero optFlag")
	}
}

func TestListVar(t *testing.T) {
	var ids []int64
	var st []string
	fs := newTestFlags()
	listVar(fs, &ids, "ids", "", parseNumber[int64])
	listVar(fs, &st, "status", "", parseUpper[string])
	if err := fs.Parse([]string{"--ids", "1, 2,,", "--ids", "3", "--status", "paid,refunded"}); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("ids").Value.String(); got != "1,2,3" {
		t.Errorf("ids = %q", got)
	}
	if got := strings.Join(st, ","); got != "PAID,REFUNDED" {
		t.Errorf("status = %q", got)
	}
	if err := fs.Parse([]string{"--ids", "4,x"}); err == nil || !strings.Contains(err.Error(), "not a whole number") {
		t.Errorf("bad list item: %v", err)
	}
}

func TestEnumAndNumVar(t *testing.T) {
	type sortBy string
	var s sortBy
	var id int64
	fs := newTestFlags()
	enumVar(fs, &s, "sort-by", "")
	numVar(fs, &id, "customer-id", "")
	if err := fs.Parse([]string{"--sort-by", " price_desc ", "--customer-id", " 42 "}); err != nil || s != "PRICE_DESC" || id != 42 {
		t.Errorf("enum %q, num %d, %v", s, id, err)
	}
	if err := fs.Parse([]string{"--customer-id", "4x"}); err == nil {
		t.Errorf("numVar accepted 4x")
	}
}

func TestParsers(t *testing.T) {
	if f, err := parseFloat(" 99.5 "); err != nil || f != 99.5 {
		t.Errorf("parseFloat: %v %v", f, err)
	}
	if _, err := parseFloat("cheap"); err == nil || err.Error() != "not a number" {
		t.Errorf("parseFloat(cheap): %v", err)
	}
	if b, err := parseBool(" TRUE "); err != nil || !b {
		t.Errorf("parseBool: %v %v", b, err)
	}
	if _, err := parseBool("yes"); err == nil || err.Error() != "want true or false" {
		t.Errorf("parseBool(yes): %v", err)
	}
	if s, _ := parseString[string]("as is "); s != "as is " {
		t.Errorf("parseString trimmed: %q", s)
	}
}

func TestParseCLIDate(t *testing.T) {
	day := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"2024-05-31", false, day},
		{"2024-05-31", true, day.Add(24*time.Hour - time.Second)}, // the whole day
		{" 2024-05-31T09:30:00Z ", true, time.Date(2024, 5, 31, 9, 30, 0, 0, time.UTC)},
		{"2024-05-31T09:30:00+02:00", false, time.Date(2024, 5, 31, 7, 30, 0, 0, time.UTC)},
	} {
		got, err := parseCLIDate(c.in, c.end)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseCLIDate(%q, %v) = %v, %v; want %v", c.in, c.end, got, err, c.want)
		}
	}
	for _, bad := range []string{"yesterday", "2024-13-01", "31.05.2024", ""} {
		if _, err := parseCLIDate(bad, false); err == nil {
			t.Errorf("parseCLIDate(%q) accepted", bad)
		}
	}

	var from, to time.Time
	fs := newTestFlags()
	dateVars(fs, &from, &to, "created", "orders placed")
	if err := fs.Parse([]string{"--created-from", "2024-05-01", "--created-to", "2024-05-31"}); err != nil {
		t.Fatal(err)
	}
	if from != time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC) || to != day.Add(24*time.Hour-time.Second) {
		t.Errorf("from %v, to %v", from, to)
	}
	if got := fs.Lookup("created-to").Value.String(); got != "2024-05-31T23:59:59Z" {
		t.Errorf("String() = %q", got)
	}
	if u := fs.Lookup("created-from").Usage; !strings.Contains(u, "(createdFrom)") || !strings.Contains(u, "orders placed at or after") {
		t.Errorf("usage = %q", u)
	}
}

// The subcommands' flag sets: help on stdout, mistakes on stderr, and
// positional arguments anywhere among the flags.
func TestFlagSetParse(t *testing.T) {
	newFS := func() (*flagSet, *bytes.Buffer, *bytes.Buffer, *string) {
		var out, errOut bytes.Buffer
		e := &ecwidCmd{stdout: &out}
		e.stderr = redactingWriter{&errOut, e}
		fs := newFlagSet("rebound ecwid orders get", "rebound ecwid orders get ORDER_ID [--json]", e)
		j := fs.String("fields", "", "fields")
		return fs, &out, &errOut, j
	}
	fs, out, errOut, fields := newFS()
	if err := fs.parse([]string{"--fields", "id", "K8XTQ"}, "ORDER_ID"); err != nil || fs.Arg(0) != "K8XTQ" || *fields != "id" {
		t.Errorf("flag before the argument: %v %q %q", err, fs.Args(), *fields)
	}
	fs, _, _, fields = newFS()
	if err := fs.parse([]string{"K8XTQ", "--fields", "id"}, "ORDER_ID"); err != nil || fs.Arg(0) != "K8XTQ" || *fields != "id" {
		t.Errorf("flag after the argument: %v %q %q", err, fs.Args(), *fields)
	}
	if out.Len()+errOut.Len() != 0 {
		t.Errorf("a good parse printed: %q %q", out, errOut)
	}

	fs, out, errOut, _ = newFS()
	if err := fs.parse([]string{"-h"}, "ORDER_ID"); !errors.Is(err, flag.ErrHelp) || errOut.Len() != 0 ||
		!strings.HasPrefix(out.String(), "Usage: rebound ecwid orders get ORDER_ID [--json]\n\nFlags:\n  -fields string\n") {
		t.Errorf("-h: %v\nstdout %q\nstderr %q", err, out, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined: -bogus\nUsage: rebound ecwid orders get"},
		{nil, "rebound ecwid orders get: exactly one ORDER_ID is required\nUsage:"},
		{[]string{"A", "B"}, "exactly one ORDER_ID is required"},
	} {
		fs, out, errOut, _ = newFS()
		if err := fs.parse(c.args, "ORDER_ID"); !errors.Is(err, errUsage) || out.Len() != 0 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: %v\nstdout %q\nstderr %q", c.args, err, out, errOut)
		}
	}
	fs, _, errOut, _ = newFS()
	if err := fs.parse([]string{"stray"}); !errors.Is(err, errUsage) || !strings.Contains(errOut.String(), `unexpected argument "stray"`) {
		t.Errorf("stray argument: %v %q", err, errOut)
	}
	// A token echoed in a mistake is masked.
	fs, _, errOut, _ = newFS()
	if err := fs.parse([]string{"secret_abcdefgh12345678"}); !errors.Is(err, errUsage) ||
		!strings.Contains(errOut.String(), `unexpected argument "[token redacted]"`) || strings.Contains(errOut.String(), "abcdefgh12345678") {
		t.Errorf("token echoed: %v %q", err, errOut)
	}
}
