package cliflags

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a := fs.String("a", "", "")
	b := fs.Bool("b", false, "")
	pos, err := Interspersed(fs, []string{"one", "--a", "v", "two", "-b"})
	if err != nil || *a != "v" || !*b || !slices.Equal(pos, []string{"one", "two"}) || !slices.Equal(fs.Args(), pos) {
		t.Fatalf("pos %v, a %q, b %v, args %v, err %v", pos, *a, *b, fs.Args(), err)
	}
	if _, err := Interspersed(fs, []string{"--nope"}); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if _, err := Interspersed(fs, []string{"-h"}); err != flag.ErrHelp {
		t.Errorf("-h gave %v, want flag.ErrHelp", err)
	}
}

func TestPositional(t *testing.T) {
	if err := Positional("rebound key revoke", []string{"k1"}, []string{"KEY_ID"}); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		pos, names []string
		want       string
	}{
		{nil, []string{"KEY_ID"}, "rebound key revoke: exactly one KEY_ID is required"},
		{[]string{"x"}, nil, `rebound key revoke: unexpected argument "x" (quote values that contain spaces)`},
		{[]string{"a"}, []string{"ID", "FILE"}, "rebound key revoke: exactly one ID and one FILE is required"},
	} {
		if err := Positional("rebound key revoke", c.pos, c.names); err == nil || err.Error() != c.want {
			t.Errorf("%v %v: %v, want %q", c.pos, c.names, err, c.want)
		}
	}
}
