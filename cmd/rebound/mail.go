package main

import (
	"flag"
	"fmt"

	"github.com/reboundhq/rebound/internal/notify"
)

// smtpFlags configure the shopper emails' SMTP server (serve and worker:
// whichever runs the job workers sends them).
type smtpFlags struct{ url, from string }

func (f *smtpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "smtp-url", "", "SMTP server for the shopper emails, smtp://USER:PASSWORD@HOST:PORT (STARTTLS when offered) or smtps://... (TLS); prefer the environment variable, as flags show in ps. Empty: emails stay in the outbox the admin shows")
	fs.StringVar(&f.from, "smtp-from", "", "sender `address` of the shopper emails, e.g. \"Acme Returns <returns@acme.example>\" (required with --smtp-url)")
}

// mailer is the configured mailer, nil without --smtp-url.
func (f *smtpFlags) mailer() (notify.Mailer, error) {
	if f.url == "" {
		if f.from != "" {
			return nil, fmt.Errorf("--smtp-from is set but --smtp-url is not")
		}
		return nil, nil
	}
	m, err := notify.NewSMTP(notify.SMTPConfig{URL: f.url, From: f.from})
	if err != nil {
		return nil, fmt.Errorf("--smtp-url/--smtp-from: %w", err)
	}
	return m, nil
}
