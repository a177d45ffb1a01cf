package ecwidcli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// ---------------------------------------------------------------------------
// Subcommands

func (e *ecwidCmd) get(ctx context.Context, r *ecwidResource, args []string) error {
	fs := newFlagSet("rebound ecwid "+r.name+" get",
		fmt.Sprintf("rebound ecwid %s get %s [--fields a,b,c] [--json] [--ecwid-store-id ID] [--token TOKEN] [--api-base-url URL] [--store STORE_ID]", r.name, r.idName),
		e)
	var conn ecwidConn
	conn.register(fs.FlagSet, e.deps)
	var out outFlags
	out.register(fs.FlagSet, false)
	if err := fs.parse(args, r.idName); err != nil {
		return err
	}
	id := strings.TrimSpace(fs.Arg(0))
	if id == "" {
		fmt.Fprintf(e.stderr, "%s: %s is empty\n", fs.Name(), r.idName)
		return errUsage
	}
	if r.numericID {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			fmt.Fprintf(e.stderr, "%s: %s must be a number, got %q\n", fs.Name(), r.idName, id)
			return errUsage
		}
	}
	sel, err := parseFieldSel(out.fields)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: --fields: %v\n", fs.Name(), err)
		return errUsage
	}
	c, err := e.connect(ctx, fs.FlagSet, &conn)
	if err != nil {
		return err
	}
	raw, err := r.get(ctx, c, id, sel.entity())
	if err != nil {
		return err
	}
	if out.json {
		return writeJSONDoc(e.stdout, raw)
	}
	return writeKV(e.stdout, raw, sel)
}

func (e *ecwidCmd) list(ctx context.Context, r *ecwidResource, args []string) error {
	fs := newFlagSet("rebound ecwid "+r.name, r.synopsis(), e)
	var conn ecwidConn
	conn.register(fs.FlagSet, e.deps)
	var out outFlags
	out.register(fs.FlagSet, !r.single)
	var limit, offset int
	var all bool
	if r.paged {
		fs.IntVar(&limit, "limit", ecwid.MaxLimit, "page size, 1 to 100 (with --all: the size of each page fetched)")
		fs.IntVar(&offset, "offset", 0, "skip this many matching items (with --all: start there)")
	}
	if !r.single {
		fs.BoolVar(&all, "all", false, "fetch every page and print every item; progress goes to stderr")
	}
	if r.filters != nil {
		r.filters(fs.FlagSet)
	}
	if err := fs.parse(args); err != nil {
		return err
	}
	if r.paged && (limit < 1 || limit > ecwid.MaxLimit) {
		fmt.Fprintf(e.stderr, "%s: --limit must be between 1 and %d, got %d\n", fs.Name(), ecwid.MaxLimit, limit)
		return errUsage
	}
	if offset < 0 {
		fmt.Fprintf(e.stderr, "%s: --offset must not be negative, got %d\n", fs.Name(), offset)
		return errUsage
	}
	if r.check != nil {
		if err := r.check(); err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", fs.Name(), err)
			return errUsage
		}
	}
	sel, err := parseFieldSel(out.fields)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: --fields: %v\n", fs.Name(), err)
		return errUsage
	}
	c, err := e.connect(ctx, fs.FlagSet, &conn)
	if err != nil {
		return err
	}

	if r.single {
		raw, err := r.get(ctx, c, "", sel.entity())
		if err != nil {
			return err
		}
		if out.json {
			return writeJSONDoc(e.stdout, raw)
		}
		return writeKV(e.stdout, raw, sel)
	}

	var fields string
	cols := r.columns
	if sel != nil {
		fields = "total,count,offset,limit," + r.envelope + "items(" + sel.ecwid + ")"
		cols = fieldColumns(sel.columns)
	}
	if all {
		items, total, err := fetchAll(ctx, r, c, offset, limit, fields, newProgress(e.stderr))
		if err != nil {
			return err
		}
		if out.json {
			return writeJSONDoc(e.stdout, items)
		}
		if err := writeTable(e.stdout, cols, items); err != nil {
			return err
		}
		writeFooter(e.stderr, len(items), total, offset, false)
		return nil
	}
	p, err := r.list(ctx, c, offset, limit, fields)
	if err != nil {
		return err
	}
	if out.json {
		return writeJSONDoc(e.stdout, p)
	}
	if err := writeTable(e.stdout, cols, p.Items); err != nil {
		return err
	}
	writeFooter(e.stderr, len(p.Items), p.Total, offset, r.paged)
	return nil
}

// fetchAll fetches the first page itself (for Ecwid's total) and the rest
// with the client's iterator, reporting progress after each page.
func fetchAll(ctx context.Context, r *ecwidResource, c *ecwid.Client, offset, limit int, fields string, prog *progress) ([]json.RawMessage, int, error) {
	defer prog.done()
	first, err := r.list(ctx, c, offset, limit, fields)
	if err != nil {
		return nil, 0, err
	}
	items, total := first.Items, first.Total
	want := func() int { return max(total-offset, len(items)) }
	prog.update(len(items), want())
	next := offset + len(first.Items)
	done := r.all == nil || len(first.Items) == 0 ||
		(total > 0 && next >= total) || (total == 0 && len(first.Items) < limit)
	if done {
		return items, total, nil
	}
	page := len(first.Items) // items arrive in pages of this size
	n := 0
	for it, err := range r.all(ctx, c, next, limit, fields) {
		if err != nil {
			return nil, 0, err
		}
		items = append(items, it)
		if n++; n%page == 0 {
			prog.update(len(items), want())
		}
	}
	if n%page != 0 {
		prog.update(len(items), want())
	}
	return items, total, nil
}

// progress writes "fetched N of TOTAL" lines, or rewrites one line with \r
// when w is a terminal.
type progress struct {
	w     io.Writer
	tty   bool
	width int
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

func (p *progress) update(n, total int) {
	msg := fmt.Sprintf("fetched %d of %d", n, total)
	if !p.tty {
		fmt.Fprintln(p.w, msg)
		return
	}
	fmt.Fprintf(p.w, "\r%s%s", msg, strings.Repeat(" ", max(p.width-len(msg), 0)))
	p.width = len(msg)
}

// done clears a terminal progress line.
func (p *progress) done() {
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func writeFooter(w io.Writer, shown, total, offset int, paged bool) {
	msg := fmt.Sprintf("%d of %d", shown, total)
	if offset > 0 {
		msg += fmt.Sprintf(" (from offset %d)", offset)
	}
	if paged && shown > 0 && offset+shown < total {
		msg += fmt.Sprintf("; more with --offset %d, or --all", offset+shown)
	}
	fmt.Fprintln(w, msg)
}
