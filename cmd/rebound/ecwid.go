package main

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidcli"
	"github.com/reboundhq/rebound/internal/secrets"
)

// cmdEcwid is rebound ecwid (internal/ecwid/ecwidcli); it reports its own
// errors and returns the exit code.
func cmdEcwid(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) int {
	return ecwidcli.Run(ctx, args, stdout, stderr, ecwidcli.Deps{Logger: log, Database: ecwidDatabase(log)})
}

// ecwidDatabase gives rebound ecwid the database flags every command takes
// and opens the app they select with its secrets key.
func ecwidDatabase(log *slog.Logger) func(fs *flag.FlagSet) ecwidcli.OpenFunc {
	return func(fs *flag.FlagSet) ecwidcli.OpenFunc {
		var db dbFlags
		db.register(fs)
		return func(ctx context.Context) (*app.App, func() error, error) {
			st, err := db.open(ctx, log)
			if err != nil {
				return nil, nil, err
			}
			box, err := secrets.LoadKey(db.keyDir())
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			a := app.New(st)
			a.Secrets = box
			return a, st.Close, nil
		}
	}
}
