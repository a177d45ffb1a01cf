package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors are a form's validation errors: field name → a message for the
// person filling it in. The layout shows them as a summary linking to each
// field (whose id must be the field name), and pages show each one by its
// control (FieldError in templates).
type Errors map[string]string

// Add records msg for field unless the field has an error already (the
// first problem found is the one shown).
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// OK reports whether there are no errors.
func (e Errors) OK() bool { return len(e) == 0 }

// Get returns field's message, or "".
func (e Errors) Get(field string) string { return e[field] }

// Form is a submitted form being decoded and validated in one place: each
// getter reads one field and records in Errors what is wrong with it.
type Form struct {
	r      *http.Request
	Errors Errors
}

// ErrTooLarge is returned by ParseForm when the body is over its limit.
var ErrTooLarge = errors.New("web: form too large")

// ParseForm reads r's form (URL-encoded or multipart) with a body of at
// most limit bytes. It returns ErrTooLarge past the limit and another error
// for a malformed body; uploads beyond 1 MiB in total spill to temporary
// files, removed when the request ends.
func ParseForm(w http.ResponseWriter, r *http.Request, limit int64) (*Form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrTooLarge
		}
		return nil, fmt.Errorf("web: reading the form: %w", err)
	}
	return &Form{r: r, Errors: Errors{}}, nil
}

// NewForm returns a Form over the values r already holds (a GET's query).
func NewForm(r *http.Request) *Form {
	_ = r.ParseForm()
	return &Form{r: r, Errors: Errors{}}
}

// Has reports whether the form has the field at all.
func (f *Form) Has(name string) bool {
	_, ok := f.r.Form[name]
	return ok
}

// Values returns every value of the field.
func (f *Form) Values(name string) []string { return f.r.Form[name] }

// String returns the field trimmed of surrounding space; longer than max
// runes (max > 0) records an error.
func (f *Form) String(name string, max int) string {
	s := strings.TrimSpace(f.r.Form.Get(name))
	if !utf8.ValidString(s) {
		f.Errors.Add(name, "This contains characters that cannot be read.")
		return ""
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		f.Errors.Add(name, fmt.Sprintf("Use at most %d characters.", max))
	}
	return s
}

// Required is String that records msg when the field is empty.
func (f *Form) Required(name string, max int, msg string) string {
	s := f.String(name, max)
	if s == "" {
		f.Errors.Add(name, msg)
	}
	return s
}

// Int returns the field as an integer in [min, max], or records msg and
// returns min. An absent or empty field is min without an error when
// optional.
func (f *Form) Int(name string, min, max int, optional bool, msg string) int {
	s := strings.TrimSpace(f.r.Form.Get(name))
	if s == "" && optional {
		return min
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		f.Errors.Add(name, msg)
		return min
	}
	return n
}

// Choice returns the field when it is one of allowed, else records msg and
// returns "".
func (f *Form) Choice(name string, allowed []string, msg string) string {
	s := strings.TrimSpace(f.r.Form.Get(name))
	if !slices.Contains(allowed, s) {
		f.Errors.Add(name, msg)
		return ""
	}
	return s
}

// Files returns the files uploaded in the field (multipart forms only).
func (f *Form) Files(name string) []*multipart.FileHeader {
	if f.r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range f.r.MultipartForm.File[name] {
		if fh.Size > 0 || fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
}
