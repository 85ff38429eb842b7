package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand's flag set and help.
type command struct {
	name    string // "driive keys create"
	args    string // synopsis after the name
	summary string
	fs      *flag.FlagSet
}

func newCommand(name, args, summary string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	fs.Usage = func() {}
	return &command{name: name, args: args, summary: summary, fs: fs}
}

// parse parses args, letting flags come before or after positional
// arguments ("revoke ID -org demo" as well as "revoke -org demo ID"), and
// returns the positional ones. Everything after "--" is positional.
func (c *command) parse(args []string, e env) ([]string, error) {
	var pos []string
	for {
		before := len(args)
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.help(e.stdout)
				return nil, errHelp
			}
			return nil, usagef("%s (see %s -h)", err, c.name)
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// The flag package stops at the first positional argument, or
		// after "--", which it consumes.
		if consumed := before - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// require reports the first of names that was not set on the command line.
func (c *command) require(names ...string) error {
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			return usagef("missing -%s (see %s -h)", n, c.name)
		}
	}
	return nil
}

func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n\nFlags:\n", c.name, c.args, strings.TrimSpace(c.summary))
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// dbFlag adds -db. Its default is resolved after parsing, so that help
// never prints DRIIVE_DB (which may hold a password).
func (c *command) dbFlag() *string {
	return c.fs.String("db", "", "database: sqlite:PATH, postgres://... or mysql://user:pass@host:port/db\n(default $DRIIVE_DB, else "+defaultDB+")")
}

func resolveDB(flagValue string, e env) (dataSource, error) {
	v := flagValue
	if v == "" {
		v = e.getenv("DRIIVE_DB")
	}
	if v == "" {
		v = defaultDB
	}
	src, err := parseDSN(v)
	if err != nil {
		return dataSource{}, &usageError{err.Error()}
	}
	return src, nil
}
