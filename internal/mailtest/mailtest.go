// Package mailtest is a real SMTP server for tests (github.com/emersion/go-smtp):
// it listens on a loopback port, accepts every message (optionally after
// AUTH PLAIN with one user), keeps what it received, parsed (recipients,
// subject, plain-text and HTML parts), and can be told to fail the next
// deliveries with a temporary (4xx) or permanent (5xx) reply.
package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"encoding/base64"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received message.
type Message struct {
	From    string
	To      []string // envelope recipients
	Header  mail.Header
	Subject string
	// Text and HTML are the decoded text/plain and text/html parts.
	Text, HTML string
	Raw        []byte
}

// Server is a running SMTP server.
type Server struct {
	// Host and Port are where it listens; URL is smtp://[user:pass@]host:port.
	Host string
	Port int
	URL  string

	srv      *smtp.Server
	user     string
	password string

	mu    sync.Mutex
	msgs  []Message
	fails []*smtp.SMTPError
	tries int
	ch    chan struct{}
}

// Option configures New.
type Option func(*Server)

// WithAuth requires AUTH PLAIN as user with password.
func WithAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// New starts a server, stopped when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{ch: make(chan struct{}, 1)}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	if s.user != "" {
		s.URL = fmt.Sprintf("smtp://%s:%s@%s:%d", s.user, s.password, s.Host, s.Port)
	} else {
		s.URL = fmt.Sprintf("smtp://%s:%d", s.Host, s.Port)
	}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// FailNext makes the next n messages fail at DATA with code (e.g. 421 for
// a temporary failure, 554 for a refusal).
func (s *Server) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "mailtest: told to fail"})
	}
}

// Attempts is how many messages reached DATA, failed ones included.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages were received (at most timeout)
// and returns them; it fails the test when they do not arrive.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("mailtest: %d message(s) received, want %d: %v", len(s.Messages()), n, subjects(s.Messages()))
			return nil
		}
	}
}

func subjects(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Subject
	}
	return out
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.password {
			return errors.New("mailtest: bad credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	s.tries++
	if len(s.fails) > 0 {
		f := s.fails[0]
		s.fails = s.fails[1:]
		s.mu.Unlock()
		return f
	}
	s.mu.Unlock()
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: cannot parse: " + err.Error()}
	}
	m.From, m.To = ss.from, append([]string(nil), ss.to...)
	s.mu.Lock()
	s.msgs = append(s.msgs, *m)
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// parse reads a message's subject and its text and HTML parts.
func parse(raw []byte) (*Message, error) {
	pm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
	if err != nil {
		return nil, err
	}
	m := &Message{Header: pm.Header, Subject: subj, Raw: raw}
	if err := m.walk(pm.Header.Get("Content-Type"), pm.Header.Get("Content-Transfer-Encoding"), pm.Body); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Message) walk(ctype, enc string, body io.Reader) error {
	if ctype == "" {
		ctype = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(enc) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text += string(b)
	case "text/html":
		m.HTML += string(b)
	}
	return nil
}
