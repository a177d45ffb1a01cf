package ecwidcli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// ---------------------------------------------------------------------------
// Tables and key/value output

// column is a table column: a header and how to render an item's cell.
type column struct {
	name  string
	value func(m map[string]json.RawMessage) string
}

// field is the column of a member, or of a dotted path into nested objects.
func field(path string) column {
	return column{path, func(m map[string]json.RawMessage) string { return cellText(lookup(m, path)) }}
}

func fieldColumns(paths []string) []column {
	cols := make([]column, len(paths))
	for i, p := range paths {
		cols[i] = field(p)
	}
	return cols
}

func productQuantity(m map[string]json.RawMessage) string {
	if cellText(m["unlimited"]) == "true" {
		return "unlimited"
	}
	return cellText(m["quantity"])
}

// timestampColumn renders a UNIX timestamp member as RFC 3339 UTC, falling
// back to Ecwid's date string.
func timestampColumn(ts, date string) func(m map[string]json.RawMessage) string {
	return func(m map[string]json.RawMessage) string {
		if n, err := strconv.ParseInt(cellText(m[ts]), 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0).UTC().Format(time.RFC3339)
		}
		return cellText(m[date])
	}
}

// lookup returns the member at a dotted path.
func lookup(m map[string]json.RawMessage, path string) json.RawMessage {
	first, rest, nested := strings.Cut(path, ".")
	raw := m[first]
	for nested {
		var sub map[string]json.RawMessage
		if json.Unmarshal(raw, &sub) != nil {
			return nil
		}
		first, rest, nested = strings.Cut(rest, ".")
		raw = sub[first]
	}
	return raw
}

// cellText renders a JSON value for a table: strings unquoted, numbers and
// booleans as written, null and empty containers blank, other objects and
// arrays as compact JSON.
func cellText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			if s := b.String(); s != "{}" && s != "[]" {
				return s
			}
			return ""
		}
	}
	return string(raw)
}

const maxCell = 80 // runes shown in a table cell; --json shows everything

func tableCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxCell {
		r := []rune(s)
		s = string(r[:maxCell-1]) + "…"
	}
	return s
}

func writeTable(w io.Writer, cols []column, items []json.RawMessage) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = c.name
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
	for _, it := range items {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(it, &m); err != nil {
			return err
		}
		for i, c := range cols {
			cells[i] = tableCell(c.value(m))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// writeKV prints an object as aligned "path value" lines, nested members
// flattened (billingPerson.city, items[0].sku), empty values left out. With
// a field selection only the selected paths are shown.
func writeKV(w io.Writer, raw json.RawMessage, sel *fieldSel) error {
	entries, err := flattenJSON(raw)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range entries {
		if sel.covers(e.key) {
			fmt.Fprintf(tw, "%s\t%s\n", e.key, strings.Join(strings.Fields(e.val), " "))
		}
	}
	return tw.Flush()
}

type kv struct{ key, val string }

// flattenJSON lists the scalar members of a JSON document in order, keyed by
// their path. Arrays of scalars become one comma-separated entry; null and
// empty strings are left out.
func flattenJSON(raw []byte) ([]kv, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func(path string) ([]kv, error)
	walk = func(path string) ([]kv, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			var out []kv
			if t == '{' {
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return nil, err
					}
					key, _ := kt.(string)
					if path != "" {
						key = path + "." + key
					}
					sub, err := walk(key)
					if err != nil {
						return nil, err
					}
					out = append(out, sub...)
				}
			} else {
				var scalars []string
				allScalar := true
				for i := 0; dec.More(); i++ {
					p := fmt.Sprintf("%s[%d]", path, i)
					sub, err := walk(p)
					if err != nil {
						return nil, err
					}
					if len(sub) == 1 && sub[0].key == p {
						scalars = append(scalars, sub[0].val)
					} else if len(sub) > 0 {
						allScalar = false
					}
					out = append(out, sub...)
				}
				if allScalar && len(scalars) > 0 {
					out = []kv{{path, strings.Join(scalars, ", ")}}
				}
			}
			_, err := dec.Token() // closing delimiter
			return out, err
		case string:
			if t == "" {
				return nil, nil
			}
			return []kv{{path, t}}, nil
		case json.Number:
			return []kv{{path, t.String()}}, nil
		case bool:
			return []kv{{path, strconv.FormatBool(t)}}, nil
		}
		return nil, nil // null
	}
	return walk("")
}
