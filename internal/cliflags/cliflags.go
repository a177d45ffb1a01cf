// Package cliflags holds what Rebound's command lines share on top of the
// standard flag package: flags that may come before, between or after
// positional arguments, and the check of those arguments.
package cliflags

import (
	"flag"
	"fmt"
	"strings"
)

// Interspersed parses args with fs, letting flags stand before, between or
// after the positional arguments, and returns the positional ones (which
// fs.Args() then also holds). fs.Parse's errors, flag.ErrHelp included,
// are returned unchanged.
func Interspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.Parse(append([]string{"--"}, pos...)); err != nil {
		return nil, err
	}
	return pos, nil
}

// Positional reports, as a message for the user, positional arguments that
// are not exactly one of each of names: "rebound key revoke: exactly one
// KEY_ID is required", or an unexpected argument when names is empty.
func Positional(command string, pos, names []string) error {
	if len(pos) == len(names) {
		return nil
	}
	if len(names) == 0 {
		return fmt.Errorf("%s: unexpected argument %q (quote values that contain spaces)", command, pos[0])
	}
	return fmt.Errorf("%s: exactly one %s is required", command, strings.Join(names, " and one "))
}
