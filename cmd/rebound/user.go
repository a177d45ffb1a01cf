package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/reboundhq/rebound/internal/users"
)

// stdin is where --password-stdin reads (tests replace it).
var stdin io.Reader = os.Stdin

// rebound user create: flag parsing only; the work is internal/users'.
func userCreateCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	storeID := fs.String("store", "", "`STORE_ID` of the user's store")
	email := fs.String("email", "", "the user's `EMAIL` (their sign-in name)")
	role := fs.String("role", string(users.RoleOwner), "owner, agent (no settings, no keys) or warehouse (receive and process only)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	fs.require("store", "email")
	return func(ctx context.Context) error {
		if *storeID == "" || *email == "" {
			fmt.Fprintln(c.stderr, "rebound user create: --store and --email are required")
			fs.printUsage(c.stderr)
			return errUsage
		}
		password := ""
		if *fromStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && err != io.EOF {
				return fmt.Errorf("reading the password: %w", err)
			}
			if password = strings.TrimRight(line, "\r\n"); password == "" {
				fmt.Fprintln(c.stderr, "rebound user create: --password-stdin read an empty password")
				return errUsage
			}
		}
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		u, generated, err := (&users.Service{Store: st}).Create(ctx, *storeID, *email, users.Role(*role), password)
		if err != nil {
			return err
		}
		c.log.Info("user created", slog.String("storeId", u.StoreID), slog.String("userId", u.ID))
		out := map[string]string{"email": u.Email, "role": u.Role}
		if generated != "" {
			out["password"] = generated
		}
		return printJSON(c.stdout, out)
	}
}
