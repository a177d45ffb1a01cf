package main

import (
	"context"
	"flag"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidcli"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
)

// cmdEcwid is rebound ecwid (internal/ecwid/ecwidcli); it reports its own
// errors and returns the exit code.
func cmdEcwid(ctx context.Context, args []string, c *cli) int {
	return ecwidcli.Run(ctx, args, c.stdout, c.stderr, ecwidcli.Deps{Logger: c.log, Database: ecwidDatabase(c)})
}

// ecwidDatabase gives rebound ecwid the database flags every command takes,
// with their environment variables, and opens the app they select with its
// secrets key.
func ecwidDatabase(c *cli) func(fs *flag.FlagSet) ecwidcli.OpenFunc {
	return func(fs *flag.FlagSet) ecwidcli.OpenFunc {
		var db dbFlags
		db.register(fs)
		for _, name := range []string{"data-dir", "database-url"} {
			describeEnv(fs.Lookup(name), "ecwid")
		}
		return func(ctx context.Context) (*ecwidsync.Service, func() error, error) {
			if err := applyEnv(fs, "ecwid", "data-dir", "database-url"); err != nil {
				return nil, nil, err
			}
			st, err := db.open(ctx, quiet(c.log))
			if err != nil {
				return nil, nil, err
			}
			box, err := secrets.LoadKey(db.keyDir())
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			return server.NewServices(server.Options{Store: st, Secrets: box}).Ecwid, st.Close, nil
		}
	}
}
