package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/driive/keyauth/apikey"
)

// cliTimeout bounds one CLI command, connection included.
const cliTimeout = 30 * time.Second

func keys(ctx context.Context, args []string, e env) (string, error) {
	if len(args) == 0 {
		return "driive keys", usagef("missing subcommand (create, list, revoke, rotate)")
	}
	name := "driive keys " + args[0]
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	ctx = withCLIActor(ctx, e)
	switch args[0] {
	case "create":
		return name, keysCreate(ctx, args[1:], e)
	case "list":
		return name, keysList(ctx, args[1:], e)
	case "revoke":
		return name, keysRevoke(ctx, args[1:], e)
	case "rotate":
		return name, keysRotate(ctx, args[1:], e)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return "driive keys", errHelp
	}
	return "driive keys", usagef("unknown subcommand %s (create, list, revoke, rotate)", quoteShort(args[0]))
}

// openService opens the database and a Service on it for one command. The
// CLI runs no background work: a running server learns of its changes
// through the store's change feed.
func openService(ctx context.Context, dbFlag string, e env) (*database, *apikey.Service, error) {
	src, err := resolveDB(dbFlag, e)
	if err != nil {
		return nil, nil, err
	}
	d, err := openDatabase(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	svc, err := apikey.NewService(apikey.Config{Store: d.keys, Hash: e.hash})
	if err != nil {
		_ = d.Close()
		return nil, nil, err
	}
	return d, svc, nil
}

func keysCreate(ctx context.Context, args []string, e env) error {
	c := newCommand("driive keys create", "-org ORG -name NAME -permission read|write [-expires WHEN] [-json] [-db DSN]",
		"Creates a key and prints it on stdout. It is shown this once: store it now.")
	org := c.fs.String("org", "", "organization id (required)")
	name := c.fs.String("name", "", "label of the key, 1-100 characters (required)")
	perm := c.fs.String("permission", "", "read or write (required)")
	expires := c.fs.String("expires", "", "when the key stops working: RFC 3339 time, YYYY-MM-DD (works through that day, UTC)\nor a duration from now (720h); default never")
	asJSON := c.fs.Bool("json", false, "print a JSON object with the key and its fields")
	db := c.dbFlag()
	pos, err := c.parse(args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %s (see %s -h)", quoteShort(pos[0]), c.name)
	}
	if err := c.require("org", "name", "permission"); err != nil {
		return err
	}
	if err := refuseKeyText("-org", *org); err != nil {
		return err
	}
	if err := refuseKeyText("-name", *name); err != nil {
		return err
	}
	var exp time.Time
	if *expires != "" {
		if exp, err = parseWhen(*expires, time.Now()); err != nil {
			return usagef("-expires %v", err)
		}
	}
	p, err := apikey.ParsePermission(*perm)
	if err != nil {
		return fmt.Errorf("-permission must be read or write")
	}
	d, svc, err := openService(ctx, *db, e)
	if err != nil {
		return err
	}
	defer d.Close()
	k, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: *org, Name: *name, Permission: p, ExpiresAt: exp})
	if err != nil {
		return serviceError(err, *org)
	}
	return printNewKey(e.stdout, k, secret, *asJSON)
}

func keysList(ctx context.Context, args []string, e env) error {
	c := newCommand("driive keys list", "-org ORG [-json] [-db DSN]",
		"Lists every key of an organization, oldest first. Keys themselves are never shown, only their prefixes.")
	org := c.fs.String("org", "", "organization id (required)")
	asJSON := c.fs.Bool("json", false, "print a JSON array")
	db := c.dbFlag()
	pos, err := c.parse(args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %s (see %s -h)", quoteShort(pos[0]), c.name)
	}
	if err := c.require("org"); err != nil {
		return err
	}
	if err := refuseKeyText("-org", *org); err != nil {
		return err
	}
	d, svc, err := openService(ctx, *db, e)
	if err != nil {
		return err
	}
	defer d.Close()
	var all []apikey.Key
	opt := apikey.ListOptions{Limit: 1000}
	for {
		page, err := svc.List(ctx, *org, opt)
		if err != nil {
			return serviceError(err, *org)
		}
		all = append(all, page.Keys...)
		if page.NextCursor == "" {
			break
		}
		opt.Cursor = page.NextCursor
	}
	if *asJSON {
		out := make([]keyJSON, len(all))
		for i, k := range all {
			out[i] = viewKey(k)
		}
		return printJSON(e.stdout, out)
	}
	return printKeyTable(e.stdout, all, time.Now())
}

func keysRevoke(ctx context.Context, args []string, e env) error {
	c := newCommand("driive keys revoke", "-org ORG ID_OR_PREFIX [-db DSN]",
		"Revokes a key at once: every request with it is refused from now on (by a running server within 2 seconds).\nRevoking a revoked key changes nothing.")
	org := c.fs.String("org", "", "organization id (required)")
	db := c.dbFlag()
	ref, err := parseKeyRef(c, args, e)
	if err != nil {
		return err
	}
	d, svc, err := openService(ctx, *db, e)
	if err != nil {
		return err
	}
	defer d.Close()
	k, err := svc.Revoke(ctx, *org, ref)
	if err != nil {
		return serviceError(err, *org)
	}
	fmt.Fprintf(e.stdout, "revoked %s (%s)\n", k.Prefix, k.Name)
	return nil
}

func keysRotate(ctx context.Context, args []string, e env) error {
	c := newCommand("driive keys rotate", "-org ORG ID_OR_PREFIX [-grace 24h] [-expires WHEN] [-json] [-db DSN]",
		`Replaces a key with a new one of the same name and permission, and prints the new key
(like "keys create"). The old key keeps working for the grace period, so that
integrations can switch over.

If the key has leaked, do not rotate it: revoke it ("driive keys revoke"),
which ends it at once, then create a new one.`)
	org := c.fs.String("org", "", "organization id (required)")
	grace := c.fs.Duration("grace", 24*time.Hour, "how long the old key keeps working; 0 ends it at once.\nFor a leaked key use \"driive keys revoke\" instead")
	expires := c.fs.String("expires", "", "when the new key stops working: RFC 3339 time, YYYY-MM-DD or a duration from now;\ndefault: the old key's lifetime counted from now, or never")
	asJSON := c.fs.Bool("json", false, "print a JSON object with the new key and its fields")
	db := c.dbFlag()
	ref, err := parseKeyRef(c, args, e)
	if err != nil {
		return err
	}
	var exp time.Time
	if *expires != "" {
		if exp, err = parseWhen(*expires, time.Now()); err != nil {
			return usagef("-expires %v", err)
		}
	}
	d, svc, err := openService(ctx, *db, e)
	if err != nil {
		return err
	}
	defer d.Close()
	k, secret, err := svc.Rotate(ctx, apikey.RotateParams{OrgID: *org, ID: ref, Grace: *grace, ExpiresAt: exp})
	if err != nil {
		return serviceError(err, *org)
	}
	return printNewKey(e.stdout, k, secret, *asJSON)
}

// parseKeyRef parses the flags of revoke and rotate and returns their one
// ID_OR_PREFIX.
func parseKeyRef(c *command, args []string, e env) (string, error) {
	pos, err := c.parse(args, e)
	if err != nil {
		return "", err
	}
	if err := c.require("org"); err != nil {
		return "", err
	}
	org := c.fs.Lookup("org").Value.String()
	if err := refuseKeyText("-org", org); err != nil {
		return "", err
	}
	switch len(pos) {
	case 0:
		return "", usagef("missing ID_OR_PREFIX (see %s -h)", c.name)
	case 1:
		if looksLikeKey(pos[0]) {
			return "", fmt.Errorf("no such key in organization %s (ID_OR_PREFIX is a whole key; give its id or prefix, dk_<id>, as keys list shows it)", quoteShort(org))
		}
		return pos[0], nil
	}
	return "", usagef("unexpected argument %s (see %s -h)", quoteShort(pos[1]), c.name)
}

// refuseKeyText refuses a key, or a piece of one, given as the value of
// flag: an organization id or a key name is stored and shown in plaintext,
// so a key pasted there by mistake must not be. The value is not echoed.
func refuseKeyText(flag, value string) error {
	if looksLikeKey(value) {
		return fmt.Errorf("%s looks like an API key; a key must never be used as an organization id or a name", flag)
	}
	return nil
}

// serviceError words the Service's refusals for a terminal: exit 1.
func serviceError(err error, org string) error {
	var arg *apikey.ArgumentError
	switch {
	case errors.Is(err, apikey.ErrNotFound):
		return fmt.Errorf("no such key in organization %s", quoteShort(org))
	case errors.As(err, &arg) && arg.Field == "id":
		return fmt.Errorf("no such key in organization %s (not a key id or prefix)", quoteShort(org))
	case errors.As(err, &arg):
		return errors.New(arg.Reason) // never the value: it may be a key
	case errors.Is(err, apikey.ErrKeyRevoked):
		return errors.New("the key is revoked; create a new key instead")
	case errors.Is(err, apikey.ErrKeyExpired):
		return errors.New("the key has expired; create a new key instead")
	case errors.Is(err, apikey.ErrInvalidArgument):
		return errors.New(strings.TrimPrefix(err.Error(), "apikey: invalid argument: "))
	}
	return fmt.Errorf("database error: %w", err)
}

// newKeyJSON is the -json output of keys create and keys rotate.
type newKeyJSON struct {
	Key        string  `json:"key"`
	ID         string  `json:"id"`
	Prefix     string  `json:"prefix"`
	OrgID      string  `json:"org_id"`
	Name       string  `json:"name"`
	Permission string  `json:"permission"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  *string `json:"expires_at"`
}

// keyJSON is one element of keys list -json.
type keyJSON struct {
	ID         string  `json:"id"`
	Prefix     string  `json:"prefix"`
	Name       string  `json:"name"`
	Permission string  `json:"permission"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  *string `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
}

func viewKey(k apikey.Key) keyJSON {
	return keyJSON{
		ID: k.ID, Prefix: k.Prefix, Name: k.Name, Permission: k.Permission.String(),
		CreatedAt: apiTime(k.CreatedAt), ExpiresAt: optTime(k.ExpiresAt),
		LastUsedAt: optTime(k.LastUsedAt), RevokedAt: optTime(k.RevokedAt),
	}
}

// optTime is a time for JSON: RFC 3339 UTC, or null when unset.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := apiTime(t)
	return &s
}

// printNewKey prints a new key: the key text alone on a line, so that
// KEY=$(driive keys create ...) works, or the JSON object. This and the
// first start's demo key are the only places a key is ever shown.
func printNewKey(w io.Writer, k apikey.Key, secret apikey.Secret, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, secret.Reveal())
		return err
	}
	return printJSON(w, newKeyJSON{
		Key: secret.Reveal(), ID: k.ID, Prefix: k.Prefix, OrgID: k.OrgID, Name: k.Name,
		Permission: k.Permission.String(), CreatedAt: apiTime(k.CreatedAt), ExpiresAt: optTime(k.ExpiresAt),
	})
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printKeyTable(w io.Writer, keys []apikey.Key, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PREFIX\tNAME\tPERMISSION\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
	for _, k := range keys {
		status := "active"
		switch {
		case k.Revoked():
			status = "revoked " + tableTime(k.RevokedAt)
		case k.Expired(now):
			status = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Name, k.Permission,
			tableTime(k.CreatedAt), tableTime(k.ExpiresAt), tableTime(k.LastUsedAt), status)
	}
	return tw.Flush()
}

func tableTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
