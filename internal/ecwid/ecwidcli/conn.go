package ecwidcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/returns"
)

// outFlags are the output flags every subcommand takes.
type outFlags struct {
	json   bool
	fields string
}

func (o *outFlags) register(fs *flag.FlagSet, list bool) {
	what := "print the object as JSON instead of key/value lines"
	if list {
		what = "print one JSON document instead of a table: the page, or with --all an array of every item"
	}
	fs.BoolVar(&o.json, "json", false, what)
	fs.StringVar(&o.fields, "fields", "", "comma-separated fields to fetch and show (Ecwid responseFields); "+
		"dotted paths such as billingPerson.name or Ecwid's billingPerson(name,phone) work")
}

// ecwidConn holds the credential flags; empty values fall back to the
// environment.
type ecwidConn struct {
	storeID, token, baseURL string
	store                   string   // a Rebound store whose connected credentials to use
	open                    OpenFunc // its database
}

func (c *ecwidConn) register(fs *flag.FlagSet, deps Deps) {
	// No defaults from the environment: PrintDefaults would show them, and
	// the token must never be printed.
	fs.StringVar(&c.storeID, "ecwid-store-id", "", "Ecwid store id (env "+EnvStoreID+")")
	fs.StringVar(&c.token, "token", "", "Ecwid secret API token (env "+EnvToken+", preferred: flags show in ps)")
	fs.StringVar(&c.baseURL, "api-base-url", "", "Ecwid API root; the store id is appended unless the URL contains {storeId} "+
		"(env "+EnvAPIBaseURL+"; default "+ecwid.DefaultBaseURL+")")
	fs.StringVar(&c.store, "store", "", "use the Ecwid credentials connected to this Rebound store "+
		"(PUT /v2.2/stores/{storeId}/integrations/ecwid), read from --data-dir or --database-url")
	c.open = database(fs, deps)
}

// database registers the database flags through deps.
func database(fs *flag.FlagSet, deps Deps) OpenFunc {
	if deps.Database == nil {
		return func(context.Context) (*ecwidsync.Service, func() error, error) {
			return nil, nil, errors.New("no Rebound database available")
		}
	}
	return deps.Database(fs)
}

// envOr returns the flag's value, or else the environment variable's.
func envOr(flagValue, envName string) string {
	if v := strings.TrimSpace(flagValue); v != "" {
		return v
	}
	return strings.TrimSpace(os.Getenv(envName))
}

// storeCredentials reads and unseals the Ecwid credentials connected to the
// Rebound store c.store.
func (e *ecwidCmd) storeCredentials(ctx context.Context, c *ecwidConn) (*ecwidsync.EcwidCredentials, error) {
	a, closeDB, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	creds, err := a.Credentials(ctx, c.store)
	if returns.IsNotFound(err) {
		return nil, fmt.Errorf("store %s has no Ecwid connection (or does not exist): connect it with PUT /v2.2/stores/%s/integrations/ecwid", c.store, c.store)
	}
	return creds, err
}

// connect resolves the credentials and returns a client. Missing or invalid
// credentials are usage errors.
func (e *ecwidCmd) connect(ctx context.Context, fs *flag.FlagSet, c *ecwidConn) (*ecwid.Client, error) {
	var storeID, token, base string
	if c.store != "" {
		if c.storeID != "" || c.token != "" {
			fmt.Fprintf(e.stderr, "%s: --store uses the store's connected credentials; drop --ecwid-store-id and --token\n", fs.Name())
			return nil, errUsage
		}
		creds, err := e.storeCredentials(ctx, c)
		if err != nil {
			return nil, err
		}
		storeID, token, base = strconv.FormatInt(creds.EcwidStoreID, 10), creds.Token, creds.APIBaseURL
		if v := envOr(c.baseURL, EnvAPIBaseURL); v != "" {
			base = v
		}
	} else {
		storeID = envOr(c.storeID, EnvStoreID)
		token = envOr(c.token, EnvToken)
		base = envOr(c.baseURL, EnvAPIBaseURL)
	}
	if token != "" {
		e.secrets = append(e.secrets, token)
	}
	var missing []string
	if storeID == "" {
		missing = append(missing, "--ecwid-store-id (or "+EnvStoreID+")")
	}
	if token == "" {
		missing = append(missing, "--token (or "+EnvToken+")")
	}
	if len(missing) > 0 {
		fmt.Fprintf(e.stderr, "%s: missing Ecwid credentials: set %s\n", fs.Name(), strings.Join(missing, " and "))
		return nil, errUsage
	}
	id, err := strconv.ParseInt(storeID, 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(e.stderr, "%s: the Ecwid store id must be a positive number, got %q\n", fs.Name(), storeID)
		return nil, errUsage
	}
	e.storeID = id
	opts := []ecwid.Option{ecwid.WithLogger(e.log)}
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(e.stderr, "%s: the API base URL must be an http(s) URL, got %s\n", fs.Name(), e.redact(redactURL(base)))
			return nil, errUsage
		}
		opts = append(opts, ecwid.WithBaseURL(base))
	}
	return ecwid.New(id, token, opts...), nil
}

// connectStore is rebound ecwid connect: what PUT
// /v2.2/stores/{storeId}/integrations/ecwid does, from the command line,
// on the database of --data-dir or --database-url. The token is checked
// against Ecwid first; the store's webhook URL is printed.
func (e *ecwidCmd) connectStore(ctx context.Context, args []string) error {
	fs := newFlagSet("rebound ecwid connect", "rebound ecwid connect --store STORE_ID --ecwid-store-id ID --customer-group NAME [--client-id ID] [--api-base-url URL] [--public-url URL] [--data-dir DIR] [--database-url URL]", e)
	open := database(fs.FlagSet, e.deps)
	store := fs.String("store", "", "the Rebound store to connect (required)")
	ecwidStore := fs.Int64("ecwid-store-id", 0, "the Ecwid store id, as Ecwid shows it (required)")
	group := fs.String("customer-group", "", "the Ecwid customer group return orders are put in (required)")
	clientID := fs.String("client-id", "", "the Ecwid app's client id (optional; with REBOUND_ECWID_CLIENT_SECRET, enables webhooks)")
	base := fs.String("api-base-url", "", "Ecwid API root (default "+ecwid.DefaultBaseURL+")")
	publicURL := fs.String("public-url", "", "the server's public base URL, to print the full webhook URL (env "+envPublicURL+")")
	if err := fs.parse(args); err != nil {
		return err
	}
	*publicURL = envOr(*publicURL, envPublicURL)
	token := strings.TrimSpace(os.Getenv(EnvToken))
	secret := strings.TrimSpace(os.Getenv(EnvClientSecret))
	if *store == "" || *ecwidStore <= 0 || *group == "" || token == "" {
		fmt.Fprintf(e.stderr, "rebound ecwid connect: --store, --ecwid-store-id, --customer-group and %s are required\n", EnvToken)
		return errUsage
	}
	if secret != "" {
		e.secrets = append(e.secrets, secret)
	}
	a, closeDB, err := open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	a.PublicURL = strings.TrimRight(*publicURL, "/")
	conn, err := a.Connect(ctx, *store, ecwidsync.ConnectInput{EcwidStoreID: *ecwidStore, AccessToken: token, CustomerGroup: *group,
		ClientID: *clientID, ClientSecret: secret, APIBaseURL: *base})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "connected store %s to Ecwid store %d (token %s, status %s)\n", *store, conn.Integration.EcwidStoreID, conn.TokenHint, conn.Integration.Status)
	if conn.HasClientSecret {
		fmt.Fprintf(e.stdout, "webhook URL to set in Ecwid (event order.updated): %s\n", conn.WebhookURL)
	} else {
		fmt.Fprintln(e.stdout, "no client secret: Ecwid webhooks are off (set REBOUND_ECWID_CLIENT_SECRET and --client-id to turn them on)")
	}
	return nil
}
