package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/cliflags"
)

// flagSet is one command's flags. Its synopsis and help are generated from
// the flags themselves, so they cannot drift; help (-h, --help) goes to
// stdout, mistakes and the usage after them to stderr. After parsing, every
// flag not given on the command line falls back to its environment variable
// (see envName).
type flagSet struct {
	*flag.FlagSet
	cmd      string   // the words after "rebound": "store create"
	args     []string // positional arguments, in order: "KEY_ID"
	required []string // flags the command needs, shown unbracketed first in the synopsis
	stdout   io.Writer
}

func newFlagSet(cmd string, args []string, stdout, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet("rebound "+cmd, flag.ContinueOnError), cmd: cmd, args: args, stdout: stdout}
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parse prints the usage, where it belongs
	return fs
}

// require marks flags the command needs: the synopsis shows them first and
// without brackets. The command checks them itself.
func (fs *flagSet) require(names ...string) { fs.required = append(fs.required, names...) }

// envName is the environment variable a flag of command cmd falls back to:
// REBOUND_ and the flag's name in capitals, dashes as underscores
// (--shutdown-timeout: REBOUND_SHUTDOWN_TIMEOUT). The flags of the rebound
// bench and rebound dev tools take REBOUND_BENCH_ and REBOUND_DEV_, so that
// the server's settings (REBOUND_ADDR, REBOUND_DATABASE_URL) never point a
// benchmark or a fake at them.
func envName(cmd, flagName string) string {
	prefix := "REBOUND_"
	if group, _, ok := strings.Cut(cmd, " "); ok && (group == "bench" || group == "dev") {
		prefix += strings.ToUpper(group) + "_"
	}
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag of fs that was not given on the command line
// (only those named in only, if any) from its environment variable; empty
// variables are ignored. A value the flag refuses is an error naming the
// variable.
func applyEnv(fs *flag.FlagSet, cmd string, only ...string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] || (len(only) > 0 && !slices.Contains(only, f.Name)) {
			return
		}
		name := envName(cmd, f.Name)
		v := os.Getenv(name)
		if v == "" {
			return
		}
		if isBoolFlag(f) {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "yes", "on":
				v = "true"
			case "no", "off":
				v = "false"
			}
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s: invalid value %q for --%s: %v", name, v, f.Name, serr)
		}
	})
	return err
}

// describeEnv appends the flag's environment variable to its help text.
func describeEnv(f *flag.Flag, cmd string) {
	if env := envName(cmd, f.Name); !strings.Contains(f.Usage, env) {
		f.Usage += " (env " + env + ")"
	}
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parse parses flags that may come before, between or after the positional
// arguments, requires exactly those of fs.args (then fs.Args()), and fills
// the flags not given from the environment. Help is printed on stdout and
// returned as flag.ErrHelp; a mistake is reported on stderr and returned as
// errUsage.
func (fs *flagSet) parse(args []string) error {
	pos, err := cliflags.Interspersed(fs.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.printUsage(fs.stdout)
		return err
	}
	if err != nil {
		fs.printUsage(fs.Output())
		return errUsage
	}
	if err := cliflags.Positional(fs.Name(), pos, fs.args); err != nil {
		fmt.Fprintln(fs.Output(), err)
		fs.printUsage(fs.Output())
		return errUsage
	}
	if err := applyEnv(fs.FlagSet, fs.cmd); err != nil {
		fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
		return errUsage
	}
	return nil
}

// printUsage writes the synopsis and every flag, with its default and its
// environment variable, to w.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintln(w, wrap("Usage: ", fs.synopsis()))
	if countFlags(fs.FlagSet) == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) { describeEnv(f, fs.cmd) })
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}

// synopsis renders the command line: "rebound CMD ARGS --required VALUE
// [--flag VALUE] [--bool]", every flag of the set in it.
func (fs *flagSet) synopsis() []string {
	words := append([]string{"rebound", fs.cmd}, fs.args...)
	for _, name := range fs.required {
		if f := fs.Lookup(name); f != nil {
			words = append(words, strings.TrimSpace("--"+name+" "+placeholder(f)))
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(fs.required, f.Name) {
			words = append(words, "["+strings.TrimSpace("--"+f.Name+" "+placeholder(f))+"]")
		}
	})
	return words
}

// placeholder is the value shown after a flag in a synopsis: the name
// quoted in its help (`URL`), else its default, else its name in capitals.
func placeholder(f *flag.Flag) string {
	if isBoolFlag(f) {
		return ""
	}
	if strings.Contains(f.Usage, "`") {
		name, _ := flag.UnquoteUsage(f)
		return name
	}
	if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "[]" {
		return f.DefValue
	}
	return strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
}

// wrap joins words after indent into lines of at most 100 columns; lines
// after the first are indented to the third word (after "rebound CMD").
func wrap(indent string, words []string) string {
	const width = 100
	var b strings.Builder
	b.WriteString(indent)
	col := len(indent)
	hang := col
	for i, w := range words {
		switch {
		case i == 0:
		case col+1+len(w) > width && i > 2:
			b.WriteString("\n" + strings.Repeat(" ", hang))
			col = hang
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
		if i == 1 {
			hang = col + 1
		}
	}
	return b.String()
}
