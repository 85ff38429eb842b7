package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/driive/keyauth/apikey"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful shutdown, a second one
		// ends the process at once, as if no handler were installed.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// env is the process's surroundings, so tests can run commands in process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	hash           apikey.HashParams // argon2id cost of new keys; zero: the default
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // refused by the service, unknown key, database error
	exitUsage   = 2 // unknown command or flag, missing flag, unparsable value
)

// usageError is a command line that cannot be run as written: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `driive: the keyauth example server and its keys CLI

Usage:
  driive [serve] [-addr 127.0.0.1:8080] [-db DSN] [-admin-password PW] [-metrics-addr 127.0.0.1:9090]
  driive keys create -org ORG -name NAME -permission read|write [-expires WHEN] [-json] [-db DSN]
  driive keys list   -org ORG [-json] [-db DSN]
  driive keys revoke -org ORG ID_OR_PREFIX [-db DSN]
  driive keys rotate -org ORG ID_OR_PREFIX [-grace 24h] [-expires WHEN] [-json] [-db DSN]

-db (or DRIIVE_DB): sqlite:PATH (default sqlite:driive.db), postgres://...,
or mysql://user:pass@host:port/db.
-metrics-addr: a loopback address to serve Prometheus metrics on (default none).
WHEN: an RFC 3339 time, a date YYYY-MM-DD (the key works through that day,
UTC), or a duration from now (90m, 720h).
Run "driive COMMAND -h" for a command's flags.
`

// run runs one command line and returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	name, err := dispatch(ctx, args, e)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	}
	// A key pasted in the wrong place (as a command, a flag, an organization
	// id) is never echoed, whole or in part.
	fmt.Fprintln(e.stderr, redactKeys(name+": "+oneLine(err.Error())))
	var u *usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitFailure
}

// errHelp: help was asked for and printed.
var errHelp = errors.New("help")

func dispatch(ctx context.Context, args []string, e env) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return "driive serve", serve(ctx, args, e)
	}
	switch args[0] {
	case "serve":
		return "driive serve", serve(ctx, args[1:], e)
	case "keys":
		return keys(ctx, args[1:], e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return "driive", errHelp
	}
	return "driive", usagef("unknown command %s (commands: serve, keys; see driive -h)", quoteShort(args[0]))
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// oneLine keeps an error message (a driver's, say) on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
