package keyadmin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/driive/keyauth/apikey"
)

func unescape(s string) (string, error) { return url.PathUnescape(s) }

// withActor returns ctx carrying the actor for the Service's audit trail.
func withActor(ctx context.Context, a Actor, addr string) context.Context { return ctx }

// createdBy is who created k, if known.
func createdBy(k apikey.Key) *actorJSON { return nil }

var errAlreadyRotated = errors.New("keyadmin: already rotated")

func (h *Handler) apiEvents(w http.ResponseWriter, r *http.Request, rq request) {
	writeProblem(w, http.StatusNotFound, CodeNotFound, "no such resource")
}

// creatorName is the name of who created k, "" if unknown.
func creatorName(k apikey.Key) string { return "" }

// rotatedAt is when k was replaced, zero if it was not.
func rotatedAt(k apikey.Key) (t time.Time) { return t }

func (h *Handler) loadEvents(r *http.Request, rq request, d *pageData, cursor string, n int) error {
	return nil
}

func (h *Handler) activityPage(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	h.renderError(w, d, http.StatusNotFound, "Page not found", "There is nothing at this address.")
}
