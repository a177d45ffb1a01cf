package ecwidcli

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// Filter flags

// optFlag sets an optional (pointer) filter field; unset flags leave it nil.
type optFlag[T any] struct {
	p       **T
	parse   func(string) (T, error)
	boolean bool
}

func (f *optFlag[T]) String() string {
	if f == nil || f.p == nil || *f.p == nil {
		return ""
	}
	return fmt.Sprint(**f.p)
}

func (f *optFlag[T]) Set(s string) error {
	v, err := f.parse(s)
	if err != nil {
		return err
	}
	*f.p = &v
	return nil
}

func (f *optFlag[T]) IsBoolFlag() bool { return f != nil && f.boolean }

// optVar registers an optional filter. isBool makes "--name" alone mean
// true (and --name=false false).
func optVar[T any](fs *flag.FlagSet, p **T, name, usage string, parse func(string) (T, error), isBool ...bool) {
	fs.Var(&optFlag[T]{p: p, parse: parse, boolean: len(isBool) > 0 && isBool[0]}, name, usage)
}

// listFlag appends comma-separated values; it may be repeated.
type listFlag[T any] struct {
	p     *[]T
	parse func(string) (T, error)
}

func (f *listFlag[T]) String() string {
	if f == nil || f.p == nil {
		return ""
	}
	s := make([]string, len(*f.p))
	for i, v := range *f.p {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

func (f *listFlag[T]) Set(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		v, err := f.parse(part)
		if err != nil {
			return err
		}
		*f.p = append(*f.p, v)
	}
	return nil
}

func listVar[T any](fs *flag.FlagSet, p *[]T, name, usage string, parse func(string) (T, error)) {
	fs.Var(&listFlag[T]{p: p, parse: parse}, name, usage)
}

// enumVar sets a string-typed filter, upper-cased; Ecwid validates it.
func enumVar[T ~string](fs *flag.FlagSet, p *T, name, usage string) {
	fs.Func(name, usage, func(s string) error {
		*p = T(strings.ToUpper(strings.TrimSpace(s)))
		return nil
	})
}

// numVar sets an integer filter whose zero value is not sent.
func numVar[T ~int64](fs *flag.FlagSet, p *T, name, usage string) {
	fs.Func(name, usage, func(s string) error {
		n, err := parseNumber[T](s)
		*p = n
		return err
	})
}

func parseNumber[T ~int64](s string) (T, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, errors.New("not a whole number")
	}
	return T(n), nil
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	return f, nil
}

func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, errors.New("want true or false")
	}
	return b, nil
}

func parseString[T ~string](s string) (T, error) { return T(s), nil }

func parseUpper[T ~string](s string) (T, error) { return T(strings.ToUpper(s)), nil }

// dateFlag sets a time bound from RFC 3339 or YYYY-MM-DD (UTC). A date alone
// is the start of that day for a lower bound and its last second for an
// upper bound, so "--created-to 2024-05-31" includes May 31.
type dateFlag struct {
	p   *time.Time
	end bool
}

func (d *dateFlag) String() string {
	if d == nil || d.p == nil || d.p.IsZero() {
		return ""
	}
	return d.p.Format(time.RFC3339)
}

func (d *dateFlag) Set(s string) error {
	t, err := parseCLIDate(s, d.end)
	if err != nil {
		return err
	}
	*d.p = t
	return nil
}

func parseCLIDate(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, nil
	}
	return time.Time{}, errors.New("want RFC 3339 (2024-05-01T09:30:00Z) or YYYY-MM-DD")
}

func dateVars(fs *flag.FlagSet, from, to *time.Time, prefix, what string) {
	fs.Var(&dateFlag{p: from}, prefix+"-from", what+" at or after this time: RFC 3339 or YYYY-MM-DD, UTC ("+prefix+"From)")
	fs.Var(&dateFlag{p: to, end: true}, prefix+"-to", what+" at or before this time: RFC 3339 or YYYY-MM-DD, that whole day UTC ("+prefix+"To)")
}
