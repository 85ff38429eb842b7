//go:build loadtesttwin

// This file is never part of the example. The load tool adds it to a copy
// of examples/driive at build time (go build -overlay, tag loadtesttwin)
// and builds a second binary, the "twin", that it alone runs in its own
// temporary directory. The twin adds two things to the example's code:
//
//   - with LOADTEST_TWIN_NOAUTH_ADDR (a loopback address) and
//     LOADTEST_TWIN_DB set, `serve` also answers the example's API reads on
//     that address through the same handler, without the keyauth
//     middleware: the no-auth side of the throughput ratio;
//   - `loadtest-seed -db DSN -org ORG -n N` creates N read keys through
//     apikey.Service on the example's own key store and prints them, one a
//     line: the load scenarios' keys, minted far faster than N runs of
//     `keys create`.
//
// It uses the example's unexported names (openDatabase, parseDSN,
// newHandler, handlerConfig, cursorKey, newHTTPServer, httpLimits): when
// those change, the load tool's twin build fails, and TestTwinBuilds with
// it.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/driive/keyauth/apikey"
)

func init() {
	if len(os.Args) > 1 && os.Args[1] == "loadtest-seed" {
		if err := twinSeed(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest-seed:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	addr := os.Getenv("LOADTEST_TWIN_NOAUTH_ADDR")
	if addr == "" || len(os.Args) < 2 || os.Args[1] != "serve" {
		return
	}
	go func() {
		if err := twinServeNoAuth(addr, os.Getenv("LOADTEST_TWIN_DB")); err != nil {
			slog.New(slog.NewTextHandler(os.Stderr, nil)).Error("loadtest twin: no-auth listener", "error", err)
		}
	}()
}

// twinServeNoAuth serves the example's handler on addr with a stand-in for
// the keyauth middleware that lets reads through as the path's
// organization. It opens its own pool on the same database.
func twinServeNoAuth(addr, db string) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return errors.New("LOADTEST_TWIN_NOAUTH_ADDR must be a loopback address")
	}
	src, err := parseDSN(db)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var d *database
	// The real server migrates the same file at the same moment: retry.
	for {
		if d, err = openDatabase(ctx, src); err == nil {
			break
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	ck, err := d.cursorKey(ctx)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	h, err := newHandler(handlerConfig{DB: d, CursorKey: ck, Auth: twinTrustPathOrg,
		MCPAuth: twinRefuse, Web: http.NotFoundHandler(), Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The example's own server settings (timeouts, header limit).
	return newHTTPServer(h, httpLimits{}, log).Serve(ln)
}

// twinRefuse stands in for the middleware where the twin serves nothing
// (the MCP endpoint).
func twinRefuse(http.Handler) http.Handler { return http.NotFoundHandler() }

// twinTrustPathOrg does for reads what the middleware does after a
// successful check; it refuses anything else.
func twinTrustPathOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read-only", http.StatusMethodNotAllowed)
			return
		}
		p := apikey.Principal{KeyID: "twin", OrgID: r.PathValue("orgId"), Permission: apikey.Read, Name: "twin", Prefix: "twin"}
		next.ServeHTTP(w, r.WithContext(apikey.NewContext(r.Context(), p)))
	})
}

func twinSeed(args []string) error {
	fs := flag.NewFlagSet("loadtest-seed", flag.ContinueOnError)
	db := fs.String("db", "", "DSN")
	org := fs.String("org", "", "organization")
	n := fs.Int("n", 1, "keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src, err := parseDSN(*db)
	if err != nil {
		return err
	}
	ctx := context.Background()
	d, err := openDatabase(ctx, src)
	if err != nil {
		return err
	}
	defer d.Close()
	svc, err := apikey.NewService(apikey.Config{Store: d.keys})
	if err != nil {
		return err
	}
	keys := make([]string, *n)
	errs := make([]error, *n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: *org, Name: "load " + strconv.Itoa(i), Permission: apikey.Read})
				keys[i], errs[i] = s.Reveal(), err
			}
		}()
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, k := range keys {
		fmt.Println(k)
	}
	return nil
}
