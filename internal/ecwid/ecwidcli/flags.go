package ecwidcli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"

	"github.com/reboundhq/rebound/internal/cliflags"
)

// errUsage marks a command-line mistake already reported to the user.
var errUsage = errors.New("usage")

// envPublicURL is the server's public base URL, as rebound serve reads it.
const envPublicURL = "REBOUND_PUBLIC_URL"

// flagSet is a subcommand's flags. Its help (-h, --help) goes to stdout;
// mistakes, followed by the usage, go to stderr.
type flagSet struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
}

// newFlagSet returns the flags of a subcommand of e, writing through e's
// redaction.
func newFlagSet(name, synopsis string, e *ecwidCmd) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, stdout: redactingWriter{e.stdout, e}}
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // parse prints the usage where it belongs
	return fs
}

// printUsage writes the synopsis and every flag with its help to w.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\nFlags:\n", fs.synopsis)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// parse parses flags that may come before, between or after positional
// arguments, and requires exactly the positional ones named in names (then
// fs.Args()). Help is printed on stdout and returned as flag.ErrHelp; a
// mistake is reported on stderr and returned as errUsage.
func (fs *flagSet) parse(args []string, names ...string) error {
	pos, err := cliflags.Interspersed(fs.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.printUsage(fs.stdout)
		return err
	}
	if err != nil {
		fs.printUsage(fs.Output())
		return errUsage
	}
	if err := cliflags.Positional(fs.Name(), pos, names); err != nil {
		fmt.Fprintln(fs.Output(), err)
		fs.printUsage(fs.Output())
		return errUsage
	}
	return nil
}

// redactURL renders a URL for messages without its password. A value that
// is not a URL is not echoed at all.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Opaque != "" {
		return "(not shown: not a URL)"
	}
	return p.Redacted()
}
