// Package ecwidcli is "rebound ecwid": it reads a store's data from the
// Ecwid REST API v3 (one resource per subcommand, a page or with --all every
// page of a search, or one object with "get"), and connects a Rebound store
// to Ecwid ("rebound ecwid connect"). Output is an aligned table by default
// and the client's decoded objects as JSON with --json. It never writes to
// Ecwid.
//
// The rebound binary calls [Run] with [Deps]: how to reach Rebound's own
// database, which this package does not open itself.
package ecwidcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
)

// Deps is what rebound ecwid needs from the rebound binary.
type Deps struct {
	// Logger receives the Ecwid client's logs (requests at debug level).
	// Nil discards them.
	Logger *slog.Logger
	// Database registers on fs the flags that select Rebound's database
	// (--data-dir, --database-url) and returns the function that opens the
	// database they select, after fs is parsed. It is needed by --store and
	// by connect; nil means those report that no database is available.
	Database func(fs *flag.FlagSet) OpenFunc
}

// OpenFunc opens Rebound's database as the Ecwid integration's service,
// whose Secrets can unseal the stored Ecwid credentials; close releases it.
type OpenFunc func(ctx context.Context) (svc *ecwidsync.Service, close func() error, err error)

// Environment variables of the Ecwid credentials.
const (
	EnvStoreID      = "REBOUND_ECWID_STORE_ID"
	EnvToken        = "REBOUND_ECWID_TOKEN"
	EnvAPIBaseURL   = "REBOUND_ECWID_API_BASE_URL"
	EnvClientSecret = "REBOUND_ECWID_CLIENT_SECRET" // rebound ecwid connect; never a flag (flags show in ps)
)

const ecwidUsage = `Usage:
  rebound ecwid RESOURCE [filters] [--limit 100] [--offset 0] [--all] [--fields a,b,c] [--json]
  rebound ecwid RESOURCE get ID [--fields a,b,c] [--json]
  rebound ecwid profile [--fields a,b,c] [--json]
  rebound ecwid connect --store STORE_ID --ecwid-store-id ID --customer-group NAME [--client-id ID] [--api-base-url URL]
                        (token from REBOUND_ECWID_TOKEN, client secret from REBOUND_ECWID_CLIENT_SECRET)

Reads a store's data from the Ecwid REST API v3 (read-only).

Resources:
  products     catalog products         get PRODUCT_ID    scope read_catalog
  orders       orders                   get ORDER_ID      scope read_orders
  customers    registered customers     get CUSTOMER_ID   scope read_customers
  categories   catalog categories       get CATEGORY_ID   scope read_catalog
  coupons      discount coupons         get COUPON_ID     scope read_discount_coupons
  promotions   automatic discounts      (one list)        scope read_promotion
  carts        abandoned carts          get CART_UUID     scope read_orders
  profile      the store profile                          scope read_store_profile

Credentials (a flag wins over its variable):
  --ecwid-store-id ID   REBOUND_ECWID_STORE_ID
  --token TOKEN         REBOUND_ECWID_TOKEN (prefer the variable: flags show in ps)
  --api-base-url URL    REBOUND_ECWID_API_BASE_URL (default https://app.ecwid.com/api/v3)
  --store STORE_ID      the credentials connected to a Rebound store (with --data-dir or --database-url)

Lists print a table on stdout and "N of TOTAL" on stderr; --all follows
every page and reports "fetched N of TOTAL" on stderr. --json prints one JSON
document instead: the page, an array of all items with --all, or the object.
--fields selects what Ecwid returns (responseFields) and the table columns.
Dates take RFC 3339 or YYYY-MM-DD (UTC; a -to date includes that whole day).

Run "rebound ecwid RESOURCE --help" for a resource's filters.
`

// Synopsis returns the lines "rebound --help" shows for rebound ecwid, each
// indented by two spaces and ending in a newline.
func Synopsis() string {
	return "  rebound ecwid {" + strings.Join(resourceNames, "|") + "}\n" +
		"                [get ID] [filters] [--limit 100] [--offset 0] [--all] [--fields a,b] [--json]\n" +
		"                [--ecwid-store-id ID] [--token TOKEN] [--api-base-url URL]\n" +
		"                [--store STORE_ID] [--data-dir ./rebound-data] [--database-url URL]\n" +
		"  rebound ecwid connect --store STORE_ID --ecwid-store-id ID --customer-group NAME\n" +
		"                        [--client-id ID] [--api-base-url URL] [--public-url URL]\n" +
		"                        [--data-dir ./rebound-data] [--database-url URL]\n" +
		"                        (token from " + EnvToken + ", client secret from " + EnvClientSecret + ")\n"
}

// ecwidCmd is one run of "rebound ecwid".
type ecwidCmd struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	deps           Deps
	res            *ecwidResource
	storeID        int64
	secrets        []string // tokens to mask in anything printed
}

// Run runs "rebound ecwid args..." and returns its exit code: 0, 1 when
// Ecwid or the database fails (reported on stderr as "rebound ecwid:
// <status> <code>: <message>"), 2 for a command-line mistake. Help goes to
// stdout; no token ever appears in what it prints.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, deps Deps) int {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &ecwidCmd{stdout: stdout, log: log, deps: deps}
	if t := strings.TrimSpace(os.Getenv(EnvToken)); t != "" {
		e.secrets = append(e.secrets, t)
	}
	// Everything this command writes to stderr (usage errors that echo
	// arguments included) goes through redaction; help on stdout too.
	e.stderr = redactingWriter{stderr, e}
	e.stdout = stdout
	err := e.run(ctx, args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	e.report(err)
	return 1
}

func (e *ecwidCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, ecwidUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(redactingWriter{e.stdout, e}, ecwidUsage)
		return flag.ErrHelp
	}
	if args[0] == "connect" {
		return e.connectStore(ctx, args[1:])
	}
	mk, ok := ecwidResources[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "rebound ecwid: unknown resource %q\n\n%s", args[0], ecwidUsage)
		return errUsage
	}
	r := mk()
	e.res = r
	if len(args) > 1 && args[1] == "get" && r.idName != "" {
		return e.get(ctx, r, args[2:])
	}
	return e.list(ctx, r, args[1:])
}

// report prints a failure as "rebound ecwid: <status> <errorCode>: <errorMessage>"
// (or the error text for non-HTTP failures), with a hint for 401 and 403.
// The token never appears.
func (e *ecwidCmd) report(err error) {
	var msg string
	if ae := ecwid.AsError(err); ae != nil {
		msg = strconv.Itoa(ae.Status)
		if ae.Code != "" {
			msg += " " + ae.Code
		}
		if ae.Message != "" {
			msg += ": " + ae.Message
		}
		if ae.RetryAfter > 0 {
			msg += fmt.Sprintf(" (retry after %s)", ae.RetryAfter)
		}
	} else {
		msg = strings.TrimPrefix(err.Error(), "ecwid: ")
	}
	fmt.Fprintln(e.stderr, "rebound ecwid: "+e.redact(msg))
	if ecwid.IsAuth(err) && e.res != nil {
		if ae := ecwid.AsError(err); ae.Code == ecwid.CodeInsufficientAppScope {
			fmt.Fprintf(e.stderr, "rebound ecwid: hint: the token lacks the %s scope needed to read %s; "+
				"use a token (or app) that has it (Ecwid admin: Settings → API)\n", e.res.scope, e.res.name)
		} else {
			fmt.Fprintf(e.stderr, "rebound ecwid: hint: check the token (--token or %s): it must be a valid "+
				"token of store %d with the %s scope\n", EnvToken, e.storeID, e.res.scope)
		}
	}
}

// tokenShape matches Ecwid access tokens ("secret_…", "public_…"), so a
// token is masked even where it was not recognised as one (a mistyped
// command line echoed in a usage error).
var tokenShape = regexp.MustCompile(`\b(?:secret|public)_[A-Za-z0-9]{8,}`)

func (e *ecwidCmd) redact(s string) string {
	for _, t := range e.secrets {
		s = strings.ReplaceAll(s, t, "[token redacted]")
	}
	return tokenShape.ReplaceAllString(s, "[token redacted]")
}

// redactingWriter masks tokens in what it writes.
type redactingWriter struct {
	w io.Writer
	e *ecwidCmd
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.e.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
