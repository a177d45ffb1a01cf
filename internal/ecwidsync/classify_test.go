package ecwidsync_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
)

func TestClassify(t *testing.T) {
	apiErr := func(status int, code, msg string) error {
		return &ecwid.Error{Status: status, Code: code, Message: msg, Method: "POST", Path: "/orders"}
	}
	for _, tc := range []struct {
		name string
		err  error
		want ecwidsync.Class
	}{
		{"nil", nil, ecwidsync.None},
		{"address", &ecwidsync.AddressError{Missing: []string{"city"}}, ecwidsync.Permanent},
		{"wrapped address", fmt.Errorf("job: %w", &ecwidsync.AddressError{Missing: []string{"city"}}), ecwidsync.Permanent},
		{"input", &ecwidsync.InputError{Field: "email", Message: "no e-mail"}, ecwidsync.Permanent},
		{"400", apiErr(400, "WRONG_PARAMETER", "bad"), ecwidsync.Permanent},
		{"402", apiErr(402, "STORE_IS_SUSPENDED", "suspended"), ecwidsync.Permanent},
		{"404", apiErr(404, "ORDER_NOT_FOUND", "Order #X not found"), ecwidsync.Permanent},
		{"409", apiErr(409, "CONSTRAINT_VIOLATION", "dup"), ecwidsync.Permanent},
		{"415", apiErr(415, "", "Unsupported content-type"), ecwidsync.Permanent},
		{"401", apiErr(401, "", "no token"), ecwidsync.Auth},
		{"403 token", apiErr(403, "INVALID_API_TOKEN", "Invalid API token"), ecwidsync.Auth},
		{"403 scope", apiErr(403, "INSUFFICIENT_APP_SCOPE", "no create_orders"), ecwidsync.Auth},
		{"wrapped 403", &ecwidsync.UncertainError{Err: apiErr(403, "", "x")}, ecwidsync.Auth},
		{"408", apiErr(408, "TIMEOUT", "timeout"), ecwidsync.Retryable},
		{"429", apiErr(429, "RATE_LIMITED", "slow down"), ecwidsync.Retryable},
		{"500", apiErr(500, "INTERNAL_ERROR", "oops"), ecwidsync.Retryable},
		{"503", apiErr(503, "", "unavailable"), ecwidsync.Retryable},
		{"deadline", fmt.Errorf("ecwid: POST /orders: %w", context.DeadlineExceeded), ecwidsync.Retryable},
		{"canceled", context.Canceled, ecwidsync.Retryable},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, ecwidsync.Retryable},
		{"eof", io.ErrUnexpectedEOF, ecwidsync.Retryable},
		{"malformed", fmt.Errorf("x: %w", ecwid.ErrMalformedResponse), ecwidsync.Retryable},
		{"unknown", errors.New("something"), ecwidsync.Retryable},
	} {
		if got := ecwidsync.Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUncertainAndReason(t *testing.T) {
	base := &ecwid.Error{Status: 400, Code: "WRONG_PARAMETER", Message: "Field Order.email is absent"}
	if ecwidsync.Uncertain(base) || ecwidsync.Uncertain(nil) {
		t.Error("plain errors are uncertain")
	}
	u := &ecwidsync.UncertainError{Err: base}
	if !ecwidsync.Uncertain(u) || !ecwidsync.Uncertain(fmt.Errorf("job: %w", u)) {
		t.Error("UncertainError not reported")
	}
	if ecwid.AsError(u) != base {
		t.Error("UncertainError does not unwrap")
	}
	if got, want := ecwidsync.Reason(u), "Ecwid answered 400 WRONG_PARAMETER: Field Order.email is absent"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
	if got := ecwidsync.Reason(&ecwid.Error{Status: 403, Code: "INVALID_API_TOKEN", Message: "Invalid API token"}); got != "Ecwid answered 403 INVALID_API_TOKEN: Invalid API token (check the access token and its scopes)" {
		t.Errorf("Reason = %q", got)
	}
	if got := ecwidsync.Reason(&ecwidsync.AddressError{Missing: []string{"street", "country"}}); got != "Not sent to Ecwid: the return's shipping address is incomplete: missing street, country." {
		t.Errorf("Reason = %q", got)
	}
	if ecwidsync.Reason(nil) != "" {
		t.Error("Reason(nil) not empty")
	}
	for c, s := range map[ecwidsync.Class]string{ecwidsync.None: "none", ecwidsync.Retryable: "retryable", ecwidsync.Permanent: "permanent", ecwidsync.Auth: "auth"} {
		if c.String() != s {
			t.Errorf("%d.String() = %q", c, c.String())
		}
	}
}
