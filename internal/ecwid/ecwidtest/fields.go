package ecwidtest

import (
	"fmt"
	"strings"
)

// fieldTree is a parsed responseFields selection: member name → nested
// selection (nil selects the whole member).
type fieldTree map[string]fieldTree

// parseFields parses Ecwid's selection syntax, e.g.
// "total,items(id,email,items(sku))".
func parseFields(s string) (fieldTree, error) {
	p := &fieldParser{s: s}
	t, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
	}
	return t, nil
}

type fieldParser struct {
	s string
	i int
}

func (p *fieldParser) list() (fieldTree, error) {
	t := fieldTree{}
	for {
		start := p.i
		for p.i < len(p.s) && !strings.ContainsRune("(),", rune(p.s[p.i])) {
			p.i++
		}
		name := strings.TrimSpace(p.s[start:p.i])
		if name == "" {
			return nil, fmt.Errorf("empty field name at %d", start)
		}
		var sub fieldTree
		if p.i < len(p.s) && p.s[p.i] == '(' {
			p.i++
			var err error
			if sub, err = p.list(); err != nil {
				return nil, err
			}
			if p.i >= len(p.s) || p.s[p.i] != ')' {
				return nil, fmt.Errorf("missing ')'")
			}
			p.i++
		}
		if prev, ok := t[name]; ok && prev != nil && sub != nil {
			for k, v := range sub {
				prev[k] = v
			}
		} else if !ok || sub == nil {
			t[name] = sub
		}
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return t, nil
	}
}

// project keeps only the selected members of v; arrays are projected
// element by element.
func project(v any, t fieldTree) any {
	switch x := v.(type) {
	case obj:
		out := obj{}
		for name, sub := range t {
			val, ok := x[name]
			if !ok {
				continue
			}
			if sub != nil {
				val = project(val, sub)
			}
			out[name] = val
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = project(e, t)
		}
		return out
	}
	return v
}
