// Command minimal is the smallest correct keyauth integration: keys kept in
// memory (gone on restart), one organization-scoped route, graceful
// shutdown. `go run ./examples/minimal` prints a write key for organization
// "demo", once, then serves:
//
//	GET  /v1/organizations/{orgId}/whoami   (read or write key)
//	POST /v1/organizations/{orgId}/pings    (write key)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New()})
	if err == nil {
		err = serve(ctx, *addr, svc, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "minimal:", err)
		os.Exit(1)
	}
}

// serve mints the demo key, prints it once, and serves until ctx ends; then
// it finishes in-flight requests and writes pending last-used times.
func serve(ctx context.Context, addr string, svc *apikey.Service, out io.Writer) error {
	_, key, err := svc.Create(ctx, apikey.CreateParams{OrgID: "demo", Name: "demo", Permission: apikey.Write})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/v1/organizations/demo/whoami"
	fmt.Fprintf(out, "API key for organization demo (shown once): %s\ncurl -H 'Authorization: Bearer %[1]s' %s\n",
		key.Reveal(), url)
	auth, err := middleware.New(middleware.Config{Authenticator: svc, Logger: slog.Default()})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/organizations/{orgId}/whoami", auth.Handler(answer(http.StatusOK)))
	mux.Handle("POST /v1/organizations/{orgId}/pings", auth.Handler(answer(http.StatusCreated)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	background, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go func() { _ = svc.Run(background) }() // change feed and last-used writes
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	return errors.Join(err, svc.Close(shutdown))
}

// answer replies with the caller the middleware put in the context.
func answer(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := apikey.FromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"org_id": p.OrgID, "key": p.Prefix, "permission": p.Permission.String(),
		})
	})
}
