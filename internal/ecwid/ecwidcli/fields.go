package ecwidcli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ---------------------------------------------------------------------------
// --fields

// fieldSel is a parsed --fields value.
type fieldSel struct {
	columns []string // paths as given, in order: table columns
	ecwid   string   // Ecwid responseFields selection of one object
}

// parseFieldSel parses a comma-separated list of members. A member is a
// dotted path (billingPerson.name), turned into Ecwid's nested form
// (billingPerson(name)), or already in that form. A nil selection means
// every field.
func parseFieldSel(s string) (*fieldSel, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts, err := splitTopLevel(s)
	if err != nil {
		return nil, err
	}
	type node struct {
		name  string
		whole bool
		kids  []*node
	}
	root := &node{}
	var verbatim []string
	sel := &fieldSel{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, errors.New("empty field name")
		}
		if i := strings.IndexByte(p, '('); i >= 0 {
			name := strings.TrimSpace(p[:i])
			if !validFieldName(name) || !strings.HasSuffix(p, ")") {
				return nil, fmt.Errorf("bad field %q", p)
			}
			sel.columns = append(sel.columns, name)
			verbatim = append(verbatim, p)
			continue
		}
		n := root
		for seg := range strings.SplitSeq(p, ".") {
			if !validFieldName(seg) {
				return nil, fmt.Errorf("bad field %q", p)
			}
			i := slices.IndexFunc(n.kids, func(k *node) bool { return k.name == seg })
			if i < 0 {
				n.kids = append(n.kids, &node{name: seg})
				i = len(n.kids) - 1
			}
			n = n.kids[i]
		}
		n.whole = true
		sel.columns = append(sel.columns, p)
	}
	var render func(n *node) string
	render = func(n *node) string {
		if n.whole || len(n.kids) == 0 {
			return n.name
		}
		kids := make([]string, len(n.kids))
		for i, k := range n.kids {
			kids[i] = render(k)
		}
		return n.name + "(" + strings.Join(kids, ",") + ")"
	}
	var out []string
	for _, k := range root.kids {
		out = append(out, render(k))
	}
	sel.ecwid = strings.Join(append(out, verbatim...), ",")
	return sel, nil
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && r != '-' && !('a' <= r && r <= 'z') && !('A' <= r && r <= 'Z') && !('0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// splitTopLevel splits s at the commas outside parentheses.
func splitTopLevel(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return nil, errors.New("unbalanced parentheses")
			}
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced parentheses")
	}
	return append(parts, s[start:]), nil
}

// entity returns the selection for a Get call.
func (s *fieldSel) entity() []string {
	if s == nil {
		return nil
	}
	return []string{s.ecwid}
}

// covers reports whether a flattened path lies within the selection.
func (s *fieldSel) covers(key string) bool {
	if s == nil {
		return true
	}
	for _, c := range s.columns {
		if key == c || strings.HasPrefix(key, c+".") || strings.HasPrefix(key, c+"[") {
			return true
		}
	}
	return false
}
