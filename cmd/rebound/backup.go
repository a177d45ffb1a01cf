package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// rebound backup: an online, consistent copy of the SQLite database
// (sqlite.Backup); PostgreSQL is backed up with pg_dump.

const pgBackupGuidance = `rebound backup: a PostgreSQL database is backed up with PostgreSQL's own tools,
online and consistent, for example:

  pg_dump --format=custom --file rebound.dump "$REBOUND_DATABASE_URL"

and restored into an empty database (then start rebound on it) with:

  pg_restore --no-owner --dbname "$REBOUND_DATABASE_URL" rebound.dump

See docs/operations.md ("Backup and restore").
`

func backupCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	to := fs.String("to", "", "`FILE` to write the copy of the database to; it must not exist (unless --force)")
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	fs.require("to")
	return func(ctx context.Context) error {
		if *to == "" {
			fmt.Fprintln(c.stderr, "rebound backup: --to is required")
			return errUsage
		}
		if db.isPostgres() {
			fmt.Fprint(c.stderr, pgBackupGuidance)
			return errors.New("backup: not done: use pg_dump for PostgreSQL")
		}
		src := db.sqlitePath()
		if src == "" {
			_, err := db.open(ctx, c.log) // reports the unsupported URL
			return err
		}
		n, err := sqlite.Backup(ctx, src, *to, *force)
		if err != nil {
			return err
		}
		return printJSON(c.stdout, map[string]any{"backup": *to, "bytes": n, "database": src})
	}
}
