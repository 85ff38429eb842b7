package main

import (
	"context"
	"os/user"

	"github.com/driive/keyauth/apikey"
)

// withCLIActor returns ctx carrying the audit trail's actor for a keys
// command: id "cli" and the name of the OS user who ran it.
func withCLIActor(ctx context.Context, e env) context.Context {
	return apikey.WithActor(ctx, apikey.Actor{ID: "cli", Name: osUserName(e)})
}

// osUserName is the login name of the process's user: from the user
// database, else $USER or $LOGNAME, else "unknown".
func osUserName(e env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "LOGNAME"} {
		if s := e.getenv(v); s != "" {
			return s
		}
	}
	return "unknown"
}
