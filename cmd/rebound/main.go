// Command rebound is the Rebound returns platform: one binary that serves the
// API (rebound serve), applies migrations (rebound migrate), manages stores
// and API keys, reads Ecwid (rebound ecwid), and measures itself (rebound
// bench). This package parses the command line only; each command calls a
// package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidcli"
)

var version = "dev"

// cli is what a command writes to.
type cli struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

// A command is one leaf of the command tree. setup registers its flags on
// fs and returns what runs once they are parsed; it must do nothing else,
// since the usage calls it to list the flags.
type command struct {
	name  string   // the words after "rebound"
	args  []string // positional arguments
	brief string
	setup func(fs *flagSet, c *cli) func(ctx context.Context) error
}

var commands = []command{
	{name: "serve", brief: "run the HTTP API and the job workers", setup: serveCmd},
	{name: "worker", brief: "run the background job workers only (no HTTP)", setup: workerCmd},
	{name: "migrate", brief: "apply the database migrations and exit", setup: migrateCmd},
	{name: "backup", brief: "write an online, consistent copy of the SQLite database to a file", setup: backupCmd},
	{name: "store create", brief: "create a store (merchant) and its first API key; prints them as JSON", setup: storeCreateCmd},
	{name: "store list", brief: "list the stores, one JSON object a line", setup: storeListCmd},
	{name: "key create", brief: "issue an API key; prints it once, as JSON", setup: keyCreateCmd},
	{name: "key revoke", args: []string{"KEY_ID"}, brief: "revoke an API key", setup: keyRevokeCmd},
	{name: "user create", brief: "add an admin user to a store; prints {email, role, password} as JSON (password generated, or read with --password-stdin)", setup: userCreateCmd},
	{name: "key list", brief: "list a store's API keys (never their secrets)", setup: keyListCmd},
	{name: "bench orders", brief: "measure order sync", setup: benchOrdersCmd},
	{name: "bench returns", brief: "measure return lists in a small and a large store", setup: benchReturnsCmd},
	{name: "bench webhooks", brief: "measure webhook delivery throughput and latency", setup: benchWebhooksCmd},
	{name: "bench loop", brief: "measure the Loop return list against Redo's on the same returns", setup: benchLoopCmd},
	{name: "bench soak", brief: "sync orders at a fixed rate for minutes; report errors, RSS, database and WAL growth", setup: benchSoakCmd},
	{name: "bench decode-server", brief: "serve only the decode-only baseline, for outside load generators", setup: benchDecodeServerCmd},
	{name: "ecwid"}, // internal/ecwid/ecwidcli
	{name: "dev fake-ecwid", brief: "run a fake Ecwid REST API v3 store in memory until Ctrl-C, and\n" +
		"send signed order.updated webhooks when its orders change", setup: devFakeEcwidCmd},
	{name: "refundid connect", brief: "connect a store to Refundid; prints the endpoint URLs (and a new bearer token, once)", setup: refundidConnectCmd},
	{name: "refundid returns", brief: "list the store's Refundid RMAs (GET /v1/merchant/returns), one JSON object a line", setup: refundidReturnsCmd},
	{name: "dev fake-refundid", brief: "run a fake Refundid (portal, notifications, merchant API) until Ctrl-C", setup: devFakeRefundidCmd},
	{name: "dev ecwid-webhook", brief: "send one Ecwid webhook, signed as Ecwid signs it, to a URL", setup: devEcwidWebhookCmd},
	{name: "dev webhook-receiver", brief: "receive Rebound's webhooks until Ctrl-C: verify each one's signature and print it", setup: devWebhookReceiverCmd},
	{name: "shipping rate-table set", brief: "set a store's rate table (the built-in carrier) from a JSON file", setup: shippingRateTableSetCmd},
	{name: "shipping rates", brief: "quote a return label with the store's carriers, one JSON object a line", setup: shippingRatesCmd},
	{name: "shipping buy", brief: "buy a return label (idempotent with --idempotency-key); prints the shipment", setup: shippingBuyCmd},
	{name: "shipping label", brief: "write a bought label's PDF to a file", setup: shippingLabelCmd},
	{name: "invoices list", brief: "list a store's invoices, one JSON object a line", setup: invoicesListCmd},
	{name: "invoices csv", brief: "print an invoice's items as CSV", setup: invoicesCSVCmd},
	{name: "dev fake-easypost", brief: "run a fake EasyPost API until Ctrl-C, sending signed tracker webhooks", setup: devFakeEasyPostCmd},
	{name: "version", brief: "print the version", setup: versionCmd},
}

// groups are the commands that only hold others, with what their usage
// adds.
var groups = map[string]string{
	"store": "",
	"key":   "",
	"user":  "",
	"bench": "",
	"dev":   `Local development tools; see the README's quick start and docs/ecwid.md ("Trying it without an Ecwid account").`,

	"refundid": "See docs/refundid.md.",
	"shipping": "See docs/shipping.md.",
	"invoices": "See docs/invoices.md.",
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	case "help":
		if len(args) == 1 {
			fmt.Fprint(stdout, usage())
			return 0
		}
		return run(append(slices.Clone(args[1:]), "--help"), stdout, stderr)
	case "-version", "--version":
		fmt.Fprintln(stdout, "rebound", version)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{stdout: stdout, stderr: stderr, log: newLogger(stderr)}
	if args[0] == "ecwid" {
		// Reports its own errors ("rebound ecwid: <status> <code>: <message>").
		return cmdEcwid(ctx, args[1:], c)
	}
	cmd, rest := lookup(args)
	if cmd == nil {
		if _, ok := groups[args[0]]; ok {
			w, code := stderr, 2
			switch {
			case len(args) > 1 && slices.Contains([]string{"-h", "-help", "--help", "help"}, args[1]):
				w, code = stdout, 0
			case len(args) > 1:
				fmt.Fprintf(stderr, "rebound %s: unknown command %q\n\n", args[0], args[1])
			}
			fmt.Fprint(w, groupUsage(args[0]))
			return code
		}
		fmt.Fprintf(stderr, "rebound: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	fs := newFlagSet(cmd.name, cmd.args, stdout, stderr)
	runCmd := cmd.setup(fs, c)
	err := fs.parse(rest)
	if err == nil {
		err = runCmd(ctx)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "rebound:", err)
		return 1
	}
}

// errUsage marks a command-line mistake already reported to the user.
var errUsage = errors.New("usage")

// lookup finds the command args name and returns it with its arguments.
func lookup(args []string) (*command, []string) {
	for i := range commands {
		c := &commands[i]
		if c.setup == nil {
			continue
		}
		words := strings.Fields(c.name)
		if len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			return c, args[len(words):]
		}
	}
	return nil, nil
}

// flagsOf returns the flags of a command, as its usage shows them.
func (c *command) flagsOf() *flagSet {
	fs := newFlagSet(c.name, c.args, io.Discard, io.Discard)
	c.setup(fs, &cli{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)})
	return fs
}

func usage() string {
	var b strings.Builder
	b.WriteString("rebound — self-hosted returns platform\n\nUsage:\n")
	for i := range commands {
		c := &commands[i]
		if c.setup == nil {
			b.WriteString(ecwidcli.Synopsis())
			continue
		}
		b.WriteString(wrap("  ", c.flagsOf().synopsis()) + "\n")
	}
	b.WriteString("  rebound --version\n  rebound help [COMMAND]\n\n" + envHelp)
	return b.String()
}

const envHelp = `Every command takes --help (or -h) and lists its flags.

Every flag falls back to an environment variable, named after it: REBOUND_
and the flag's name in capitals, dashes as underscores (--shutdown-timeout:
REBOUND_SHUTDOWN_TIMEOUT, --database-url: REBOUND_DATABASE_URL); flags of
rebound bench and rebound dev take REBOUND_BENCH_ and REBOUND_DEV_. A flag on
the command line wins. Besides: REBOUND_LOG_LEVEL (debug, info, warn, error),
REBOUND_SECRET_KEY; rebound ecwid: ` + ecwidcli.EnvStoreID + `, ` + ecwidcli.EnvToken + `,
` + ecwidcli.EnvAPIBaseURL + `, ` + ecwidcli.EnvClientSecret + `.
`

// groupUsage is the usage of "rebound NAME": its commands and their flags.
func groupUsage(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: rebound %s COMMAND [flags]\n\n", name)
	for i := range commands {
		c := &commands[i]
		if c.setup == nil || !strings.HasPrefix(c.name, name+" ") {
			continue
		}
		b.WriteString(wrap("  ", c.flagsOf().synopsis()) + "\n")
		for line := range strings.SplitSeq(c.brief, "\n") {
			b.WriteString("      " + line + "\n")
		}
	}
	if doc := groups[name]; doc != "" {
		b.WriteString("\n" + doc + "\n")
	}
	fmt.Fprintf(&b, "\nRun \"rebound %s COMMAND --help\" for a command's flags.\n", name)
	return b.String()
}

func versionCmd(fs *flagSet, c *cli) func(context.Context) error {
	return func(context.Context) error {
		fmt.Fprintln(c.stdout, "rebound", version)
		return nil
	}
}
