package notify

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is how an installation sends email.
type SMTPConfig struct {
	// URL is smtp://[user:password@]host[:port] (STARTTLS when the server
	// offers it; port 587 by default) or smtps://... (TLS from the start;
	// port 465 by default). With a user, AUTH PLAIN is used, which Go's
	// client only does over TLS or to localhost.
	URL string
	// From is the sender address, e.g. "Acme Returns <returns@acme.test>".
	From string
	// Timeout bounds connecting and each command (default 30s).
	Timeout time.Duration
}

// SMTP sends email through one SMTP server (github.com/wneessen/go-mail).
type SMTP struct {
	from string
	opts []gomail.Option
	host string
}

// NewSMTP checks c and returns its mailer.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	if c.URL == "" {
		return nil, ErrNoSMTP
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("SMTP URL: %w", err)
	}
	if u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("SMTP URL: want smtp://[user:password@]host[:port] or smtps://..., got scheme %q host %q", u.Scheme, u.Hostname())
	}
	if c.From == "" {
		return nil, fmt.Errorf("SMTP: a sender address (--smtp-from) is required")
	}
	if err := gomail.NewMsg().From(c.From); err != nil {
		return nil, fmt.Errorf("SMTP sender %q: %w", c.From, err)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	s := &SMTP{from: c.From, host: u.Hostname()}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	} else {
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP URL: bad port %q", p)
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port), gomail.WithTimeout(c.Timeout))
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return s, nil
}

// Send implements Mailer: one connection per message.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return err
	}
	if err := msg.To(m.To); err != nil {
		return err
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}
